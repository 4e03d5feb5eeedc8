-- Live Khala sockets, per node, so the per-user connection cap holds across every worker and server
-- sharing this database (not just within one process). A node's rows count only while that node is
-- alive (its khala_node_stats row is fresh), so a crashed worker's sockets stop counting by themselves.
CREATE TABLE khala_connections (
    conn_id text PRIMARY KEY,
    node_id text NOT NULL,
    user_id text NOT NULL,
    opened_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX khala_connections_user ON khala_connections (user_id);
CREATE INDEX khala_connections_node ON khala_connections (node_id);

-- Admit one more socket for a user unless the cluster-wide cap is reached; serialized per user so two
-- nodes admitting at once cannot both take the last slot. Returns the count after admission, or -1.
CREATE FUNCTION khala_admit_connection(p_conn_id text, p_node_id text, p_user_id text, p_cap integer,
                                       p_node_ttl interval) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    live integer;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('khala_connections:' || p_user_id, 0));
    SELECT count(*) INTO live
      FROM khala_connections c
     WHERE c.user_id = p_user_id
       AND (c.node_id = p_node_id
            OR EXISTS (SELECT 1 FROM khala_node_stats s
                        WHERE s.node_id = c.node_id AND s.updated_at > now() - p_node_ttl));
    IF live >= p_cap THEN
        RETURN -1;
    END IF;
    INSERT INTO khala_connections (conn_id, node_id, user_id) VALUES (p_conn_id, p_node_id, p_user_id);
    RETURN live + 1;
END;
$$;
