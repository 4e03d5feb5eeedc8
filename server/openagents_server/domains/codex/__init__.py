"""The Codex worker API: ``/api/runtime/codex/workers*`` (workers, requests, events, stream, stop)."""
