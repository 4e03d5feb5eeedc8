"""A stop signal that reaches a granian worker while it is still building the app is not lost.

granian forks its workers from a master whose SIGINT/SIGTERM handler only sets a flag on the master's
server object. A worker keeps that inherited handler until granian installs its own, after the app
factory returns. A signal landing in between (``make serve`` stopped while a worker is still
importing the app, which takes seconds on a loaded machine) was swallowed by the inherited handler:
the worker went on serving and granian waited for it forever (tests/foundation/test_serve_lifecycle.py,
CI run of 2026-12-06). So the factory records such a signal, and the app's first startup step, which
runs after granian's own handlers are in place, raises it again.
"""

from __future__ import annotations

import signal
from types import FrameType

_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_early: list[int] = []


def _record(signum: int, _frame: FrameType | None) -> None:
    _early.append(signum)


def hold_early_stop_signals() -> None:
    """Call first thing in the worker's app factory (main thread)."""
    _early.clear()
    for signum in _STOP_SIGNALS:
        signal.signal(signum, _record)


def redeliver_early_stop_signal() -> None:
    """An app startup hook: re-raise a stop signal that arrived while the factory ran.

    granian's worker handlers are installed by then (and its stop event is level-triggered), so the
    worker finishes starting and then shuts down in order.
    """
    if _early:
        signum = _early[0]
        _early.clear()
        signal.raise_signal(signum)
