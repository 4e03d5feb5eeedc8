-- Issue 22, ADR 0802/0803: a run waits for its owner's approval of a tool call (status 'waiting',
-- one autopilot_approvals row per paused call), and a running run holds a lease (heartbeat_at,
-- renewed by the process executing it) so a crashed process's runs can be swept as failed.
ALTER TABLE autopilot_runs DROP CONSTRAINT autopilot_runs_status_check;
ALTER TABLE autopilot_runs ADD CONSTRAINT autopilot_runs_status_check
    CHECK (status IN ('created', 'running', 'waiting', 'succeeded', 'failed'));
ALTER TABLE autopilot_runs ADD COLUMN heartbeat_at timestamptz;
CREATE INDEX autopilot_runs_open_idx ON autopilot_runs (coalesce(heartbeat_at, updated_at))
    WHERE status IN ('created', 'running');

CREATE TABLE autopilot_approvals (
    id text PRIMARY KEY,
    run_id text NOT NULL REFERENCES autopilot_runs (id) ON DELETE CASCADE,
    autopilot_id text NOT NULL REFERENCES autopilots (id) ON DELETE CASCADE,
    -- The autopilot's owner: the only one who may decide (tools act in their name).
    owner_user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- Whose invocation ids these are (the person who sent the message).
    user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    call_id text NOT NULL,
    invocation_id text NOT NULL,
    tool text NOT NULL,
    arguments jsonb NOT NULL,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'denied')),
    note text NOT NULL DEFAULT '',
    decided_by text,
    decided_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (run_id, invocation_id)
);
CREATE INDEX autopilot_approvals_pending_idx ON autopilot_approvals (autopilot_id, created_at)
    WHERE status = 'pending';
