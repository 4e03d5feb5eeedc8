"""Runtime authority v1: generated wire types in `v1/`, domain types and lifecycle rules in
`domain.py`. Convert with `openagents_proto.bridge`."""
