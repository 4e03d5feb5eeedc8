-- Foundation: audit trail. Every security-relevant event lands here.
CREATE TABLE audit_events (
    id bigserial PRIMARY KEY,
    event_name text NOT NULL,
    request_id text,
    outcome text NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
    occurred_at timestamptz NOT NULL DEFAULT now(),
    user_id text,
    session_id text,
    org_id text,
    device_id text,
    attributes jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_events_event_name_idx ON audit_events (event_name, occurred_at DESC);
CREATE INDEX audit_events_user_idx ON audit_events (user_id, occurred_at DESC) WHERE user_id IS NOT NULL;
