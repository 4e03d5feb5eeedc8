"""Frame-level errors of the gateway (the frame types themselves are the sync/v1 domain types in
``openagents_proto.sync.domain``)."""

from __future__ import annotations


class FrameError(ValueError):
    """Bytes that are not an acceptable client frame; ``reason`` is a stable code, ``field`` the path."""

    def __init__(self, reason: str, message: str, field: str = "", request_id: str = "") -> None:
        super().__init__(message)
        self.reason = reason
        self.field = field
        #: The request id of a SUBSCRIBE that failed validation (its refusal echoes it).
        self.request_id = request_id
