"""One adapter suite, run against each back-end: demo (no fake needed), openai against a local
streaming server, codex against a fake ``codex app-server`` speaking JSON-RPC over stdio."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from openagents_server.domains.runtime.worker.adapters import Adapter, AdapterError, build

from tests.runtime.fake_openai import API_KEY, MODEL, FakeOpenAI

FAKE_CODEX = Path(__file__).with_name("fake_codex_app_server.py")


@pytest.fixture(scope="module")
def openai_server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture(params=["demo", "openai", "codex"])
async def adapter(request: pytest.FixtureRequest, openai_server: FakeOpenAI) -> AsyncIterator[Adapter]:
    backend = build(request.param, openai_url=openai_server.url, openai_key=API_KEY, openai_model=MODEL,
                    codex_command=f"{sys.executable} {FAKE_CODEX}", delay=0.005)
    yield backend
    await backend.close()


async def collect(adapter: Adapter, thread: str, text: str) -> list[str]:
    return [delta async for delta in adapter.turn(thread, text)]


async def test_a_turn_streams_several_deltas_that_make_the_reply(adapter: Adapter) -> None:
    thread = await adapter.start_thread()
    deltas = await collect(adapter, thread, "hello world")
    assert len(deltas) >= 3
    assert "hello world" in "".join(deltas)


async def test_threads_are_separate_and_remember_their_turns(adapter: Adapter) -> None:
    first, second = await adapter.start_thread(), await adapter.start_thread()
    assert first != second
    await collect(adapter, first, "one")
    again = "".join(await collect(adapter, first, "two")).lower()
    other = "".join(await collect(adapter, second, "three")).lower()
    assert "turn 2" in again and "turn 1" in other


async def test_interrupt_ends_a_running_turn_early(adapter: Adapter) -> None:
    thread = await adapter.start_thread()
    got = []
    async for delta in adapter.turn(thread, "slow story"):
        got.append(delta)
        if len(got) == 3:
            await adapter.interrupt(thread)
    assert 3 <= len(got) < 30


@pytest.mark.parametrize("adapter", ["openai", "codex"], indirect=True)
async def test_a_backend_failure_is_an_adapter_error(adapter: Adapter) -> None:
    # The demo adapter has no back-end that can fail, so it is not part of this case.
    thread = await adapter.start_thread()
    with pytest.raises(AdapterError):
        await collect(adapter, thread, "please fail")


async def test_the_openai_adapter_sends_the_key_model_and_history(openai_server: FakeOpenAI) -> None:
    backend = build("openai", openai_url=openai_server.url, openai_key=API_KEY, openai_model=MODEL)
    try:
        thread = await backend.start_thread()
        await collect(backend, thread, "first")
        await collect(backend, thread, "second")
        last = openai_server.requests[-1]
        assert last["model"] == MODEL and last["stream"] is True
        assert [m["role"] for m in last["messages"]] == ["user", "assistant", "user"]
    finally:
        await backend.close()
    wrong = build("openai", openai_url=openai_server.url, openai_key="sk-wrong", openai_model=MODEL)
    try:
        with pytest.raises(AdapterError) as refused:
            await collect(wrong, await wrong.start_thread(), "hi")
        assert "401" in str(refused.value)
    finally:
        await wrong.close()


async def test_an_unknown_or_unconfigured_adapter_is_refused() -> None:
    with pytest.raises(AdapterError):
        build("gpt-9000")
    with pytest.raises(AdapterError):
        build("openai")
