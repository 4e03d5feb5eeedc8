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

    def push_clip(self, *args: Any) -> None:
        self.calls.append(("clip", *args))

    def pop_clip(self) -> None:
        self.calls.append(("unclip",))

    def end(self) -> None:
        self.frames += 1


class ManualTimers:
    def __init__(self) -> None:
        self.pending: list[Callable[[], None]] = []
        self.t = 0.0

    def request_frame(self, callback: Callable[[], None]) -> None:
        self.pending.append(callback)

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
