-- Each Khala process (granian worker / server) publishes its counters here every few seconds, so the
-- metrics endpoint and `openagents khala stats` can show every node, not just the one that answered.
CREATE TABLE khala_node_stats (
    node_id text PRIMARY KEY,
    updated_at timestamptz NOT NULL DEFAULT now(),
    stats jsonb NOT NULL
);
