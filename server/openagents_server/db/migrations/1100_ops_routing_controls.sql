-- Routing controls (docs/ops/ROUTING.md): switches every node reads from here within ~1 s.
--   maintenance       target ''            value: the message every API answer carries (503)
--   route_disabled    target: path prefix  value: the message (503 with Retry-After)
--   driver_override   target: cohort       value: the runtime driver new workers of the cohort get
-- One row per (kind, target); removing a control deletes its row. Who changed it and why is in
-- audit_events (ops.routing.*), in the same transaction as the change.
CREATE TABLE ops_routing_controls (
    kind text NOT NULL CHECK (kind IN ('maintenance', 'route_disabled', 'driver_override')),
    target text NOT NULL DEFAULT '',
    value text NOT NULL DEFAULT '',
    retry_after integer NOT NULL DEFAULT 60 CHECK (retry_after BETWEEN 1 AND 86400),
    updated_by text NOT NULL,
    reason text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, target),
    CHECK (kind <> 'maintenance' OR target = ''),
    CHECK (kind <> 'route_disabled' OR target LIKE '/%')
);
CREATE INDEX audit_events_occurred_idx ON audit_events (occurred_at DESC, id DESC);
