"""Khala: WebSocket sync. Ordered per-topic logs in PostgreSQL, replay then live tail, resume."""
