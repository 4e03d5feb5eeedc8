"""The effect runner: a navigation cancels the old page's requests; their answers never land."""

from __future__ import annotations

import asyncio

from openagents_shell.core.runner import EffectRunner


def test_navigation_cancels_stale_page_work_and_keeps_app_wide_work() -> None:
    async def main() -> list[object]:
        seen: list[object] = []
        runner = EffectRunner(seen.append)
        runner.navigated("/settings/profile")
        gate = asyncio.Event()

        async def slow(name: str) -> str:
            await gate.wait()
            return name

        stale = runner.spawn(lambda: slow("profile loaded"), scope="/settings/profile")
        runner.spawn(lambda: slow("session checked"), scope=None)
        runner.spawn(lambda: slow("login sent"), scope="/login")
        await asyncio.sleep(0)
        runner.navigated("/login")
        gate.set()
        for _ in range(5):
            await asyncio.sleep(0)
        assert stale.cancelled()
        assert runner.pending == 0
        return seen

    assert sorted(asyncio.run(main())) == ["login sent", "session checked"]  # type: ignore[type-var]


def test_result_none_dispatches_nothing_and_cancel_all_stops_everything() -> None:
    async def main() -> list[object]:
        seen: list[object] = []
        runner = EffectRunner(seen.append)

        async def nothing() -> None:
            return None

        async def never() -> str:
            await asyncio.Event().wait()
            return "late"

        runner.spawn(nothing, scope=None)
        runner.spawn(never, scope=None)
        await asyncio.sleep(0)
        runner.cancel_all()
        await asyncio.sleep(0)
        assert runner.pending == 0
        return seen

    assert asyncio.run(main()) == []
