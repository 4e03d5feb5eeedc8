-- Autopilots, their threads and runs, tool invocations with receipts, the skill registry (issue 22).

-- A person's defaults for new autopilots (``/api/settings/autopilot``).
CREATE TABLE autopilot_profiles (
    user_id text PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    model text NOT NULL,
    instructions text NOT NULL DEFAULT '',
    tool_policy jsonb NOT NULL,
    version integer NOT NULL DEFAULT 1,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- ``version`` moves by one on every change: a PATCH names the version it read (body or If-Match) and
-- loses with 409 when someone else wrote first (optimistic concurrency, ADR 0800).
CREATE TABLE autopilots (
    id text PRIMARY KEY,
    owner_user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- Shared with this org's members by role (owner/admin edit, member runs, viewer reads); NULL: personal.
    org_id text,
    name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 80),
    instructions text NOT NULL DEFAULT '',
    model text NOT NULL,
    tool_policy jsonb NOT NULL,
    skills jsonb NOT NULL DEFAULT '[]'::jsonb,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX autopilots_owner_idx ON autopilots (owner_user_id, created_at DESC);
CREATE INDEX autopilots_org_idx ON autopilots (org_id, created_at DESC) WHERE org_id IS NOT NULL;

-- A conversation with an autopilot; it belongs to the person who opened it.
CREATE TABLE autopilot_threads (
    id text PRIMARY KEY,
    autopilot_id text NOT NULL REFERENCES autopilots (id) ON DELETE CASCADE,
    user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX autopilot_threads_idx ON autopilot_threads (autopilot_id, user_id, updated_at DESC);

CREATE TABLE autopilot_messages (
    n bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    thread_id text NOT NULL REFERENCES autopilot_threads (id) ON DELETE CASCADE,
    run_id text,
    role text NOT NULL CHECK (role IN ('user', 'assistant', 'tool')),
    content text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX autopilot_messages_thread_idx ON autopilot_messages (thread_id, n);

-- One run per message sent; its events are on ``run:{id}:events``.
CREATE TABLE autopilot_runs (
    id text PRIMARY KEY,
    autopilot_id text NOT NULL REFERENCES autopilots (id) ON DELETE CASCADE,
    thread_id text NOT NULL REFERENCES autopilot_threads (id) ON DELETE CASCADE,
    user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_run_id text,
    adapter text NOT NULL,
    status text NOT NULL CHECK (status IN ('created', 'running', 'succeeded', 'failed')),
    reason_class text,
    context_hash text,
    receipt bytea,
    receipt_hash text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, client_run_id)
);
CREATE INDEX autopilot_runs_thread_idx ON autopilot_runs (thread_id, created_at);

-- One row per (caller, invocation id): the same id again answers the original (idempotency).
CREATE TABLE tool_invocations (
    user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    invocation_id text NOT NULL,
    run_id text,
    tool text NOT NULL,
    arguments jsonb NOT NULL,
    mode text NOT NULL CHECK (mode IN ('live', 'replay', 'dry_run')),
    replay_of text,
    decision text NOT NULL,
    reason_code text NOT NULL,
    status text NOT NULL,
    result jsonb,
    error jsonb,
    -- NULL while the tool runs (status 'pending'): a second call with the same id then gets 409.
    receipt bytea,
    receipt_hash text,
    run_seq bigint,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, invocation_id)
);
CREATE INDEX tool_invocations_run_idx ON tool_invocations (run_id, created_at) WHERE run_id IS NOT NULL;

-- The skill registry: tool specs (a JSON Schema per tool), skill specs (drafts, one per id and
-- version) and releases (immutable once published).
CREATE TABLE tool_specs (
    id text PRIMARY KEY,
    owner_user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    description text NOT NULL,
    input_schema jsonb NOT NULL,
    risk text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE skill_specs (
    id text NOT NULL,
    version text NOT NULL,
    owner_user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name text NOT NULL,
    description text NOT NULL DEFAULT '',
    instructions text NOT NULL DEFAULT '',
    tools jsonb NOT NULL DEFAULT '[]'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id, version)
);

CREATE TABLE skill_releases (
    skill_id text NOT NULL,
    version text NOT NULL,
    owner_user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    body jsonb NOT NULL,
    body_hash text NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (skill_id, version)
);
