"""What the feed and the whispers pages share: the page size, the clock for relative times
(:class:`StartTicker` dispatching :class:`Tick`), and :class:`CatchUp` after the live connection
came back."""

from __future__ import annotations

from dataclasses import dataclass

PAGE = 30

#: How often relative times ("3 min ago") are refreshed while a page shows them.
TICK_S = 30


@dataclass(frozen=True)
class CatchUp:
    """The live connection came back: ask for what may have been missed meanwhile."""


@dataclass(frozen=True)
class Tick:
    """The clock, for relative times."""

    now: float


@dataclass(frozen=True)
class StartTicker:
    """Dispatch :class:`Tick` now and every ``seconds`` while the page ``scope`` is shown."""

    seconds: int
    scope: str
