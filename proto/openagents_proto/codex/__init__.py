"""Codex workers v1: generated wire types in `v1/`, domain types (typed notification params) in
`domain.py`. Convert with `openagents_proto.bridge`."""
