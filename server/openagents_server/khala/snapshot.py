"""Snapshot reads: the compacted projection of a topic plus the watermark it corresponds to."""

from __future__ import annotations

from typing import Any

import asyncpg
import msgspec

from openagents_server.khala.topics import Topic


async def read_snapshot(pool: asyncpg.Pool, topic: Topic, *, after: str | None, limit: int) -> dict[str, Any]:
    """One page of documents, read in one REPEATABLE READ snapshot with the topic's head.

    ``after`` is the previous page's ``next_cursor`` ("{watermark}:{doc_key}"). Applying every page
    and then resuming from ``watermark`` loses nothing: documents changed after the first page was
    read come again in the replay (clients apply by doc_version / seq).
    """
    pinned: int | None = None
    if after is not None:
        # Later pages carry the first page's watermark, so "resume from watermark" is right on any page.
        head_text, _, after = after.partition(":")
        pinned = int(head_text) if head_text.isdigit() else None
        if pinned is None or not after:
            raise ValueError("invalid snapshot cursor")
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        state = await conn.fetchrow("SELECT head_seq, floor_seq FROM khala_topics WHERE topic = $1", topic.name)
        rows = await conn.fetch(
            "SELECT doc_key, doc_version, seq, kind, payload, payload_hash FROM khala_documents "
            "WHERE topic = $1 AND ($2::text IS NULL OR doc_key > $2) ORDER BY doc_key LIMIT $3",
            topic.name, after, limit + 1,
        )
    more = len(rows) > limit
    rows = rows[:limit]
    watermark = state["head_seq"] if state else 0
    if pinned is not None:
        watermark = min(watermark, pinned)
    return {
        "topic": topic.name,
        "topic_class": topic.topic_class.name,
        "watermark": watermark,
        "retention_floor": state["floor_seq"] if state else 0,
        "documents": [
            {"doc_key": r["doc_key"], "doc_version": r["doc_version"], "seq": r["seq"], "kind": r["kind"],
             "payload": msgspec.Raw(bytes(r["payload"])), "payload_hash": r["payload_hash"]}
            for r in rows
        ],
        "next_cursor": f"{watermark}:{rows[-1]['doc_key']}" if more else None,
    }
