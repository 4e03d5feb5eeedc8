-- Shell delivery: which bundle every node serves (ARCHITECTURE §7). Bundles live on each node's
-- disk (dist/bundles/<build_id>/); this records the rollout so all nodes and workers agree.
CREATE TABLE web_bundles (
    build_id text PRIMARY KEY,
    manifest jsonb NOT NULL,
    registered_at timestamptz NOT NULL DEFAULT now()
);

-- One row: the live rollout. active NULL means "no explicit choice": serve the newest bundle on disk.
CREATE TABLE web_rollout (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    active_build_id text REFERENCES web_bundles (build_id),
    canary_build_id text REFERENCES web_bundles (build_id),
    canary_percent smallint NOT NULL DEFAULT 0 CHECK (canary_percent BETWEEN 0 AND 100),
    killswitch boolean NOT NULL DEFAULT false,
    revision bigint NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (canary_build_id IS NULL OR canary_percent > 0)
);
INSERT INTO web_rollout DEFAULT VALUES;

-- Activation stack: rollback pops the newest activation that has not been rolled back.
CREATE TABLE web_activations (
    id bigserial PRIMARY KEY,
    build_id text NOT NULL REFERENCES web_bundles (build_id),
    activated_at timestamptz NOT NULL DEFAULT now(),
    rolled_back_at timestamptz
);
CREATE INDEX web_activations_live ON web_activations (id DESC) WHERE rolled_back_at IS NULL;
