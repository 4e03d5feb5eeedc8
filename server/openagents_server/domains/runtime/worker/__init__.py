"""``openagents worker run``: a Codex worker that is a plain client of the public API (PAT, Khala
subscription to its worker topic, the events API), executing requests through an adapter."""
