"""``/debug?topic=T``: a live probe that listens to ``T`` and shows how many events arrived and the last one.

It is the smallest page that uses the page-facing sync API (``sync/live.py``): a :class:`Listen`
scoped to the page, and a handler registered for every topic that keeps the probe's topic only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qs, urlsplit

from openagents_shell.sync import live


@dataclass(frozen=True)
class Probe:
    topic: str = ""
    count: int = 0
    resets: int = 0
    last_key: str = ""
    last_body: str = ""
    watermark: int = 0


def enter(href: str, path: str) -> tuple[Probe, list[Any]]:
    topic = (parse_qs(urlsplit(href).query).get("topic") or [""])[0]
    return Probe(topic=topic), ([live.Listen(topic, scope=path)] if topic else [])


@live.on("*")
def observe(state: Any, event: live.LiveEvent | live.LiveReset) -> tuple[Any, list[Any]]:
    probe: Probe = state.probe
    if state.route.name != "debug" or event.topic != probe.topic:
        return state, []
    if isinstance(event, live.LiveReset):
        return replace(state, probe=replace(probe, resets=probe.resets + 1)), []
    body = json.dumps(event.body, ensure_ascii=False, sort_keys=True)[:200]
    return replace(state, probe=replace(probe, count=probe.count + 1, last_key=event.doc_key, last_body=body,
                                        watermark=event.watermark)), []
