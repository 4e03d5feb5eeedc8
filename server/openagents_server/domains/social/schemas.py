"""Request bodies and query bounds of the social routes.

The schema bounds are loose on purpose (a 2 000-character cap so a huge string is refused before
any work); the exact text rule (≤ 500 characters *after trimming*, no control characters) is the
service's, so the same rule holds for the CLI and for workers.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

#: Raw text as sent; trimmed and checked by ``service.clean_text``.
RawText = Annotated[str, Meta(min_length=1, max_length=2_000)]
ZoneName = Annotated[str, Meta(min_length=1, max_length=32, pattern=r"^[a-z0-9-]+$")]
UserId = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_:.-]+$")]
RecordId = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_]+$")]
Reason = Annotated[str, Meta(max_length=500)]
#: Page size of every list.
PageLimit = Annotated[int, Meta(ge=1, le=100)]
#: A keyset cursor: a shout's feed seq or a whisper's number (``next_before`` / ``next_after``).
Cursor = Annotated[int, Meta(ge=0, le=2**62)]


class _Body(msgspec.Struct, forbid_unknown_fields=True):
    pass


class CreateShoutRequest(_Body):
    text: RawText
    #: One of ``GET /api/shouts/zones``; ``general`` when left out.
    zone: ZoneName | None = None


class SendWhisperRequest(_Body):
    recipient_id: UserId
    text: RawText


class ReportShoutRequest(_Body):
    reason: Reason | None = None


class ResolveReportRequest(_Body):
    #: ``dismissed``: nothing wrong with the shout; ``actioned``: the admin dealt with it.
    resolution: Literal["dismissed", "actioned"]
    note: Reason | None = None
