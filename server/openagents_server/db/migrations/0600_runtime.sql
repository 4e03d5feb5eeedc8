-- Runtime authority: Codex workers, runs (one per turn), worker requests with their terminal receipt,
-- run receipts, and the read models (threads, messages) projected from the run event log (Khala topics
-- run:{id}:events). The log is the truth; everything here except workers/requests can be rebuilt from it
-- (`openagents runtime reproject`).

CREATE TABLE runtime_workers (
    id text PRIMARY KEY,
    owner_user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    org_id text,
    status text NOT NULL CHECK (status IN ('starting', 'running', 'stopping', 'stopped', 'failed')),
    adapter text NOT NULL,
    metadata jsonb NOT NULL DEFAULT '{}',
    idempotency_key text,
    latest_seq bigint NOT NULL DEFAULT 0,
    last_heartbeat_at timestamptz,
    started_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (owner_user_id, idempotency_key)
);
CREATE INDEX runtime_workers_owner_idx ON runtime_workers (owner_user_id, started_at DESC);

CREATE TABLE runtime_runs (
    id text PRIMARY KEY,
    owner_user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    org_id text,
    worker_id text NOT NULL REFERENCES runtime_workers (id) ON DELETE CASCADE,
    request_id text NOT NULL,
    thread_id text,
    status text NOT NULL CHECK (status IN ('created', 'running', 'canceling', 'canceled', 'succeeded', 'failed')),
    reason_class text,
    latest_seq bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX runtime_runs_worker_idx ON runtime_runs (worker_id, created_at DESC);
CREATE INDEX runtime_runs_thread_idx ON runtime_runs (thread_id, created_at);

-- One row per (worker, request id): the second POST of the same id finds it (one execution), and
-- terminal_at is set exactly once (one terminal receipt).
CREATE TABLE runtime_requests (
    worker_id text NOT NULL REFERENCES runtime_workers (id) ON DELETE CASCADE,
    request_id text NOT NULL,
    method text NOT NULL,
    params jsonb NOT NULL,
    run_id text,
    status text NOT NULL CHECK (status IN ('accepted', 'completed', 'failed')),
    request_seq bigint NOT NULL,
    response jsonb,
    terminal_seq bigint,
    terminal_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (worker_id, request_id)
);

CREATE TABLE runtime_receipts (
    run_id text PRIMARY KEY REFERENCES runtime_runs (id) ON DELETE CASCADE,
    receipt bytea NOT NULL,
    receipt_hash text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Read models (projections of run:{id}:events).
CREATE TABLE runtime_threads (
    id text PRIMARY KEY,
    worker_id text NOT NULL REFERENCES runtime_workers (id) ON DELETE CASCADE,
    owner_user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title text NOT NULL DEFAULT '',
    turn_count integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX runtime_threads_owner_idx ON runtime_threads (owner_user_id, updated_at DESC);

CREATE TABLE runtime_messages (
    thread_id text NOT NULL REFERENCES runtime_threads (id) ON DELETE CASCADE,
    item_id text NOT NULL,
    run_id text NOT NULL,
    turn_id text NOT NULL,
    role text NOT NULL CHECK (role IN ('user', 'assistant')),
    text text NOT NULL DEFAULT '',
    status text NOT NULL DEFAULT 'in_progress',
    position bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (thread_id, item_id)
);
CREATE INDEX runtime_messages_order_idx ON runtime_messages (thread_id, position);

-- Projector checkpoints: the last seq of each run topic applied to the read models. An event with
-- seq <= last_seq is skipped (idempotent apply); seq > last_seq + 1 is a gap (drift report).
CREATE TABLE runtime_projection_checkpoints (
    topic text PRIMARY KEY,
    last_seq bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE runtime_drift_reports (
    id bigserial PRIMARY KEY,
    topic text NOT NULL,
    expected_seq bigint NOT NULL,
    got_seq bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
