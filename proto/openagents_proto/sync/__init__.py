"""Khala sync v1: generated wire types in `v1/`, domain types, limits and conversion.

Typical use::

    from openagents_proto.sync import convert, domain
    frame = convert.decode_frame(data)                # bytes -> domain.Frame (validated)
    data = convert.encode_frame(domain.Frame(message=domain.Heartbeat(watermarks=())))
"""
