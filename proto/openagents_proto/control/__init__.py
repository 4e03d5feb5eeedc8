"""Control service v1: generated wire types in `v1/`, domain types in `domain.py`.

Convert with `openagents_proto.bridge`: ``from_wire(pb, domain.Session)``, ``to_wire(value, auth_pb2.Session)``,
or the JSON helpers ``from_json`` / ``to_json`` for the HTTP form.
"""
