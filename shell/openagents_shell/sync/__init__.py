"""The Khala client: a pure protocol state machine over ``openagents_proto.sync`` (no socket here)."""
