"""CPython fakes of the host Protocols: a tiny DOM, a recording canvas, manual frames."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from openagents_shell.host.base import DomEvent, HttpResponse, NetworkError


@dataclass(eq=False)
class FakeNode:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    text: str = ""
    style: str = ""
    value: str = ""
    scroll_top: float = 0.0
    children: list[FakeNode] = field(default_factory=list)
    parent: FakeNode | None = None

    def walk(self) -> list[FakeNode]:
        out = [self]
        for c in self.children:
            out.extend(c.walk())
        return out

    def find(self, tag: str | None = None, **attrs: str) -> FakeNode:
        found = self.find_all(tag, **attrs)
        assert len(found) == 1, f"{len(found)} matches for {tag} {attrs}"
        return found[0]

    def find_all(self, tag: str | None = None, **attrs: str) -> list[FakeNode]:
        want = {k.replace("_", "-"): v for k, v in attrs.items()}
        return [n for n in self.walk() if (tag is None or n.tag == tag)
                and all(n.attrs.get(k) == v for k, v in want.items())]

    def all_text(self) -> str:
        return " ".join(t for t in [self.text, *(c.all_text() for c in self.children)] if t)


class FakeDom:
    def __init__(self) -> None:
        self.root = FakeNode("div")
        self.active: FakeNode | None = None
        self.calls = 0
        self.handler: Callable[[DomEvent], None] | None = None

    def create(self, tag: str) -> FakeNode:
        self.calls += 1
        return FakeNode(tag)

    def set_attr(self, node: FakeNode, name: str, value: str | None) -> None:
        self.calls += 1
        if value is None:
            node.attrs.pop(name, None)
        else:
            node.attrs[name] = value

    def set_text(self, node: FakeNode, text: str) -> None:
        self.calls += 1
        node.text = text

    def set_style(self, node: FakeNode, css: str) -> None:
        self.calls += 1
        node.style = css

    def value(self, node: FakeNode) -> str:
        return node.value

    def set_value(self, node: FakeNode, value: str) -> None:
        self.calls += 1
        node.value = value

    def insert(self, parent: FakeNode, node: FakeNode, before: FakeNode | None) -> None:
        self.calls += 1
        if node.parent is not None:
            node.parent.children.remove(node)
        index = parent.children.index(before) if before is not None else len(parent.children)
        parent.children.insert(index, node)
        node.parent = parent

    def remove(self, node: FakeNode) -> None:
        self.calls += 1
        if node.parent is not None:
            node.parent.children.remove(node)
            node.parent = None

    def focus(self, node: FakeNode) -> None:
        self.active = node

    def active_id(self) -> str | None:
        return self.active.attrs.get("data-oa") if self.active is not None else None

    def set_scroll_top(self, node: FakeNode, top: float) -> None:
        node.scroll_top = top

    def listen(self, root: Any, handler: Callable[[DomEvent], None]) -> None:
        self.handler = handler

    def fire(self, type_: str, target: str | None, **kw: Any) -> bool:
        """Deliver an event as the browser would; returns whether the default was prevented."""
        prevented: list[bool] = []
        assert self.handler is not None
        self.handler(DomEvent(type_, target, prevent=lambda: prevented.append(True), **kw))
        return bool(prevented)


class RecordingCanvas:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.sizes: list[tuple[float, float, float]] = []
        self.frames = 0

    def resize(self, width: float, height: float, dpr: float) -> None:
        self.sizes.append((width, height, dpr))

    def begin(self) -> None:
        self.calls = []

    def rect(self, *args: Any) -> None:
        self.calls.append(("rect", *args))

    def text(self, *args: Any) -> None:
        self.calls.append(("text", *args))

    def image(self, *args: Any) -> None:
        self.calls.append(("image", *args))

    def push_clip(self, *args: Any) -> None:
        self.calls.append(("clip", *args))

    def pop_clip(self) -> None:
        self.calls.append(("unclip",))

    def end(self) -> None:
        self.frames += 1


@dataclass
class FakeImage:
    """A decoded image: ``rgba`` rows of ``width`` × ``height`` pixels (what the native provider samples)."""

    width: int
    height: int
    rgba: bytes


class FakeImages:
    """Images that "load" when the test says so (``load(src, image)``)."""

    def __init__(self) -> None:
        self.loaded: dict[str, FakeImage] = {}
        self.requested: list[str] = []
        self._callbacks: list[Callable[[], None]] = []

    def get(self, src: str) -> FakeImage | None:
        if src not in self.loaded and src not in self.requested:
            self.requested.append(src)
        return self.loaded.get(src)

    def on_load(self, callback: Callable[[], None]) -> None:
        self._callbacks.append(callback)

    def load(self, src: str, image: FakeImage) -> None:
        self.loaded[src] = image
        for cb in self._callbacks:
            cb()


class ManualTimers:
    def __init__(self) -> None:
        self.pending: list[Callable[[], None]] = []
        self.t = 0.0

    def request_frame(self, callback: Callable[[], None]) -> None:
        self.pending.append(callback)

    def later(self, callback: Callable[[], None]) -> None:
        self.pending.append(callback)  # run_frames runs tasks and frames alike, in order

    def now(self) -> float:
        return self.t

    def run_frames(self) -> int:
        ran = 0
        while self.pending:
            pending, self.pending = self.pending, []
            for cb in pending:
                cb()
                ran += 1
        return ran


#: A scripted server route: (method, path, headers, body) -> response, or ``NetworkError`` to raise.
Handler = Callable[[str, str, dict[str, str], bytes | None], HttpResponse | NetworkError]


def json_response(status: int, payload: object, **headers: str) -> HttpResponse:
    return HttpResponse(status, {"content-type": "application/json", **headers}, json.dumps(payload).encode())


@dataclass
class FakeFetch:
    """Answers from a queue per (method, path) or a handler; records every request it saw."""

    handler: Handler | None = None
    queued: dict[tuple[str, str], list[HttpResponse | NetworkError]] = field(default_factory=dict)
    seen: list[tuple[str, str, dict[str, str], bytes | None]] = field(default_factory=list)

    def queue(self, method: str, path: str, *answers: HttpResponse | NetworkError) -> None:
        self.queued.setdefault((method, path), []).extend(answers)

    async def fetch(self, method: str, url: str, headers: dict[str, str], body: bytes | None) -> HttpResponse:
        self.seen.append((method, url, dict(headers), body))
        answers = self.queued.get((method, url))
        answer = answers.pop(0) if answers else (
            self.handler(method, url, headers, body) if self.handler else json_response(
                404, {"message": "Not found", "error": {"code": "not_found", "message": "Not found"}}))
        if isinstance(answer, NetworkError):
            raise answer
        return answer


@dataclass
class FakeCookies:
    jar: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        return self.jar.get(name)


@dataclass
class FakeClock:
    """Sleeps return at once and are recorded; randomness is fixed; tokens count up."""

    slept: list[float] = field(default_factory=list)
    fixed_random: float = 0.5
    on_sleep: Callable[[float], Awaitable[None]] | None = None
    _n: int = 0

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        if self.on_sleep is not None:
            await self.on_sleep(seconds)

    def random(self) -> float:
        return self.fixed_random

    def token(self) -> str:
        self._n += 1
        return f"key-{self._n}"


@dataclass(eq=False)
class FakeSocket:
    """One fake WebSocket: what the client sent, and methods to play the server's side."""

    path: str
    protocol: str
    on_open: Callable[[], None]
    on_message: Callable[[bytes], None]
    on_close: Callable[[int, str], None]
    sent: list[bytes] = field(default_factory=list)
    closed: tuple[int, str] | None = None

    def send(self, data: bytes) -> None:
        if self.closed is None:
            self.sent.append(data)

    def close(self, code: int = 1000, reason: str = "") -> None:
        if self.closed is None:
            self.closed = (code, reason)
            self.on_close(code, reason)

    # ---- the server's side ----
    def open(self) -> None:
        self.on_open()

    def receive(self, data: bytes) -> None:
        self.on_message(data)

    def drop(self, code: int = 1006, reason: str = "") -> None:
        """The server (or the network) closed the socket."""
        if self.closed is None:
            self.closed = (code, reason)
            self.on_close(code, reason)


@dataclass
class FakeSockets:
    """Records every socket opened; a test plays the server on each (``open``, ``receive``, ``drop``)."""

    opened: list[FakeSocket] = field(default_factory=list)

    def connect(self, path: str, protocol: str, on_open: Callable[[], None], on_message: Callable[[bytes], None],
                on_close: Callable[[int, str], None]) -> FakeSocket:
        socket = FakeSocket(path, protocol, on_open, on_message, on_close)
        self.opened.append(socket)
        return socket

    @property
    def last(self) -> FakeSocket:
        return self.opened[-1]


@dataclass
class FakeKeyValueDb:
    """IndexedDB in memory: databases by name (version, stores), with faults a test can inject."""

    databases: dict[str, tuple[int, dict[str, dict[str, str]]]] = field(default_factory=dict)
    name: str | None = None
    fail_writes: str | None = None  # a StorageError kind raised by the next writes (e.g. "quota")
    deleted: int = 0

    async def open(self, name: str, version: int, stores: tuple[str, ...]) -> int:
        from openagents_shell.host.base import StorageError

        found, data = self.databases.get(name, (0, {}))
        if found > version:
            raise StorageError("version", f"the database is at version {found}, newer than {version}")
        if found < version:
            data = {s: data.get(s, {}) for s in stores}
            self.databases[name] = (version, data)
        self.name = name
        return found

    def _store(self, store: str) -> dict[str, str]:
        from openagents_shell.host.base import StorageError

        if self.name is None or store not in self.databases[self.name][1]:
            raise StorageError("missing" if self.name is not None else "failed", f"no object store {store}")
        return self.databases[self.name][1][store]

    async def get_all(self, store: str) -> list[tuple[str, str]]:
        return sorted(self._store(store).items())

    def _write_check(self) -> None:
        from openagents_shell.host.base import StorageError

        if self.fail_writes:
            kind, self.fail_writes = self.fail_writes, None
            raise StorageError(kind)

    async def put_many(self, store: str, items: list[tuple[str, str]]) -> None:
        self._write_check()
        self._store(store).update(items)

    async def delete_many(self, store: str, keys: list[str]) -> None:
        self._write_check()
        target = self._store(store)
        for key in keys:
            target.pop(key, None)

    async def delete_database(self, name: str) -> None:
        self.databases.pop(name, None)
        self.name = None
        self.deleted += 1

    async def usage_bytes(self) -> int:
        if self.name is None:
            return 0
        return sum(len(k) + len(v) for s in self.databases[self.name][1].values() for k, v in s.items())


@dataclass
class FakeBeacon:
    """Records every beacon; ``accept`` is what ``send`` answers (the browser's quota can refuse)."""

    sent: list[tuple[str, bytes]] = field(default_factory=list)
    accept: bool = True

    def send(self, url: str, body: bytes) -> bool:
        if self.accept:
            self.sent.append((url, body))
        return self.accept
