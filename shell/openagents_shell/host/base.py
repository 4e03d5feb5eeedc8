"""The Protocols the shell codes against (no ``js`` here, so CPython imports it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(slots=True)
class DomEvent:
    """A DOM event from the mirror, reduced to what the toolkit needs."""

    type: str  # click | keydown | input | focusin | focusout | scroll
    target: str | None  # the mirror node id (``data-oa``) of the nearest node around the target
    key: str = ""
    value: str = ""
    shift: bool = False
    modified: bool = False  # ctrl, meta or alt held, or a button other than the main one
    scroll_top: float = 0.0
    prevent: Callable[[], None] = field(default=lambda: None)


class Dom(Protocol):
    """Creating and updating the mirror's elements (one call per change)."""

    def create(self, tag: str) -> Any: ...
    def set_attr(self, node: Any, name: str, value: str | None) -> None: ...
    def set_text(self, node: Any, text: str) -> None: ...
    def set_style(self, node: Any, css: str) -> None: ...
    def value(self, node: Any) -> str: ...
    def set_value(self, node: Any, value: str) -> None: ...
    def insert(self, parent: Any, node: Any, before: Any | None) -> None: ...
    def remove(self, node: Any) -> None: ...
    def focus(self, node: Any) -> None: ...
    def active_id(self) -> str | None: ...
    def set_scroll_top(self, node: Any, top: float) -> None: ...
    def listen(self, root: Any, handler: Callable[[DomEvent], None]) -> None: ...


class Canvas2D(Protocol):
    """The 2D canvas the Canvas2D backend draws on (CSS px; the host applies the pixel ratio)."""

    def resize(self, width: float, height: float, dpr: float) -> None: ...
    def begin(self) -> None: ...
    def rect(self, x: float, y: float, w: float, h: float, radius: float, fill: str | None, stroke: str | None,
             line_width: float, shadow: float, shadow_color: str | None) -> None: ...
    def text(self, x: float, y: float, text: str, font: str, color: str) -> None: ...
    def image(self, x: float, y: float, w: float, h: float, image: Any, radius: float) -> None: ...
    def push_clip(self, x: float, y: float, w: float, h: float) -> None: ...
    def pop_clip(self) -> None: ...
    def end(self) -> None: ...


class Images(Protocol):
    """Images by URL, shared by both backends: ``get`` starts loading and answers the decoded image (a
    drawable: ``HTMLImageElement`` in the browser) once it has loaded, else ``None``; ``on_load`` callbacks
    run when one arrives (the surface redraws). A broken image stays ``None`` (its box's background shows)."""

    def get(self, src: str) -> Any | None: ...
    def on_load(self, callback: Callable[[], None]) -> None: ...


class Timers(Protocol):
    def request_frame(self, callback: Callable[[], None]) -> None: ...
    def later(self, callback: Callable[[], None]) -> None: ...  # a task of its own, after this one
    def now(self) -> float: ...


@dataclass(frozen=True, slots=True)
class HttpResponse:
    """What a fetch answered: the status, the headers (lower-cased names) and the body bytes."""

    status: int
    headers: dict[str, str]
    body: bytes


class NetworkError(Exception):
    """The request never got an HTTP answer (offline, DNS, connection reset, CORS)."""


class Fetch(Protocol):
    """``fetch`` with ``credentials: "same-origin"``; raises :class:`NetworkError` when no answer came."""

    async def fetch(self, method: str, url: str, headers: dict[str, str], body: bytes | None) -> HttpResponse: ...


class Cookies(Protocol):
    """The page's readable cookies (``document.cookie``): only the CSRF echo is read."""

    def get(self, name: str) -> str | None: ...


class Clock(Protocol):
    """Waiting and randomness for retries and idempotency keys."""

    async def sleep(self, seconds: float) -> None: ...
    def random(self) -> float: ...
    def token(self) -> str: ...


class Socket(Protocol):
    """One WebSocket: binary frames out, and a close (the events go to the callbacks given at connect)."""

    def send(self, data: bytes) -> None: ...
    def close(self, code: int = 1000, reason: str = "") -> None: ...


class Sockets(Protocol):
    """Opens WebSockets to this origin's ``path`` offering ``protocol``; events arrive on the callbacks:
    ``on_open()``, ``on_message(bytes)``, ``on_close(code, reason)`` (after an error too, code 1006)."""

    def connect(self, path: str, protocol: str, on_open: Callable[[], None], on_message: Callable[[bytes], None],
                on_close: Callable[[int, str], None]) -> Socket: ...


class StorageError(Exception):
    """IndexedDB refused: ``kind`` is ``version`` (a newer schema than ours), ``quota``, ``blocked``,
    ``missing`` (an object store is not there: deleted under us) or ``failed`` (anything else: a
    corrupt database, private mode, a bug)."""

    def __init__(self, kind: str, message: str = "") -> None:
        super().__init__(message or kind)
        self.kind = kind


class KeyValueDb(Protocol):
    """One IndexedDB database of string-keyed object stores holding JSON text (``host/idb.py``).

    ``open`` creates the stores named and deletes the others when ``version`` is newer than the
    database's, and returns the version it found (0: new). Every method raises :class:`StorageError`.
    """

    async def open(self, name: str, version: int, stores: tuple[str, ...]) -> int: ...
    async def get_all(self, store: str) -> list[tuple[str, str]]: ...
    async def put_many(self, store: str, items: list[tuple[str, str]]) -> None: ...
    async def delete_many(self, store: str, keys: list[str]) -> None: ...
    async def delete_database(self, name: str) -> None: ...
    async def usage_bytes(self) -> int: ...


class Beacon(Protocol):
    """``navigator.sendBeacon``: a small POST the browser delivers even while the page goes away (no
    answer, no custom headers). ``send`` says whether the browser took it (it refuses past its quota)."""

    def send(self, url: str, body: bytes) -> bool: ...
