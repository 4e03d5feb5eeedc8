"""OpenAgents web shell: pure Python that runs in Pyodide (and in CPython for tests)."""

__version__ = "0.1.0"
