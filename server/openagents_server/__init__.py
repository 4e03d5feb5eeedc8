"""OpenAgents server: Litestar control service, Khala sync and the runtime authority."""

__version__ = "0.1.0"
