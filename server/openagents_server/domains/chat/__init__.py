"""The legacy chat lane (``/api/chat*``, ``/api/chats*``), migration-safe: reads answer from the Codex
thread read models in the legacy shapes with deprecation headers; writes and streams are retired (410)."""
