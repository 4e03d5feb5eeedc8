-- Khala event log: per-topic head and retention floor, append-only events keyed (topic, seq),
-- the latest document per (topic, doc_key) for snapshots, and one-round-trip append.

CREATE TABLE khala_topics (
    topic text PRIMARY KEY CHECK (length(topic) BETWEEN 1 AND 200),
    topic_class text NOT NULL,
    -- Highest seq ever appended (0 = none). Seqs are gapless: 1..head_seq were all assigned.
    head_seq bigint NOT NULL DEFAULT 0,
    -- Highest seq pruned by retention (0 = nothing pruned). Events floor_seq+1..head_seq remain.
    floor_seq bigint NOT NULL DEFAULT 0,
    owner_user_id text,
    owner_org_id text,
    -- Publish rate limit: appends counted in a one-second window.
    rate_window_start timestamptz,
    rate_window_count integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (floor_seq <= head_seq)
);

CREATE TABLE khala_events (
    topic text NOT NULL,
    seq bigint NOT NULL,
    topic_class text NOT NULL,
    kind text NOT NULL,
    doc_key text NOT NULL,
    doc_version bigint NOT NULL,
    payload bytea NOT NULL,          -- canonical JSON, UTF-8
    payload_hash text NOT NULL,      -- "sha256:" + hex of payload
    idempotency_key text,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (topic, seq)
);
CREATE UNIQUE INDEX khala_events_idempotency_idx ON khala_events (topic, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX khala_events_retention_idx ON khala_events (topic_class, created_at);

-- Compacted projection: the latest event per document, for the snapshot (rehydrate) endpoint.
CREATE TABLE khala_documents (
    topic text NOT NULL,
    doc_key text NOT NULL,
    doc_version bigint NOT NULL,
    seq bigint NOT NULL,
    kind text NOT NULL,
    payload bytea NOT NULL,
    payload_hash text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (topic, doc_key)
);

-- Append one event inside the caller's transaction. The topic row is locked FOR UPDATE until the
-- caller commits, so seqs of one topic are assigned gaplessly and become visible in seq order.
-- Returns status 'ok' | 'duplicate' (idempotent retry: seq is the original) | 'idempotency_mismatch'
-- | 'conflict' (expected_previous_seq differs; seq = current head) | 'rate_limited'.
CREATE FUNCTION khala_append(
    p_topic text, p_class text, p_kind text, p_doc_key text, p_doc_version bigint,
    p_payload bytea, p_hash text, p_idempotency_key text, p_expected_previous_seq bigint,
    p_rate_limit integer
) RETURNS TABLE (status text, seq bigint)
LANGUAGE plpgsql AS $$
DECLARE
    v_head bigint;
    v_window timestamptz;
    v_count integer;
    v_existing_seq bigint;
    v_existing_hash text;
    v_now timestamptz := clock_timestamp();
BEGIN
    INSERT INTO khala_topics (topic, topic_class) VALUES (p_topic, p_class) ON CONFLICT (topic) DO NOTHING;
    SELECT t.head_seq, t.rate_window_start, t.rate_window_count INTO v_head, v_window, v_count
        FROM khala_topics t WHERE t.topic = p_topic FOR UPDATE;

    IF p_idempotency_key IS NOT NULL THEN
        SELECT e.seq, e.payload_hash INTO v_existing_seq, v_existing_hash
            FROM khala_events e WHERE e.topic = p_topic AND e.idempotency_key = p_idempotency_key;
        IF FOUND THEN
            IF v_existing_hash = p_hash THEN
                RETURN QUERY SELECT 'duplicate'::text, v_existing_seq;
            ELSE
                RETURN QUERY SELECT 'idempotency_mismatch'::text, v_existing_seq;
            END IF;
            RETURN;
        END IF;
    END IF;

    IF p_expected_previous_seq IS NOT NULL AND p_expected_previous_seq <> v_head THEN
        RETURN QUERY SELECT 'conflict'::text, v_head;
        RETURN;
    END IF;

    IF v_window IS NULL OR v_now - v_window >= interval '1 second' THEN
        v_window := v_now;
        v_count := 0;
    END IF;
    IF v_count >= p_rate_limit THEN
        RETURN QUERY SELECT 'rate_limited'::text, v_head;
        RETURN;
    END IF;

    v_head := v_head + 1;
    IF p_doc_version IS NULL THEN
        p_doc_version := v_head;
    END IF;
    UPDATE khala_topics SET head_seq = v_head, rate_window_start = v_window,
        rate_window_count = v_count + 1, updated_at = v_now
        WHERE topic = p_topic;
    INSERT INTO khala_events (topic, seq, topic_class, kind, doc_key, doc_version, payload, payload_hash,
                              idempotency_key, created_at)
        VALUES (p_topic, v_head, p_class, p_kind, p_doc_key, p_doc_version, p_payload, p_hash,
                p_idempotency_key, v_now);
    IF p_kind = 'delete' THEN
        DELETE FROM khala_documents WHERE topic = p_topic AND doc_key = p_doc_key;
    ELSE
        INSERT INTO khala_documents (topic, doc_key, doc_version, seq, kind, payload, payload_hash, updated_at)
            VALUES (p_topic, p_doc_key, p_doc_version, v_head, p_kind, p_payload, p_hash, v_now)
            ON CONFLICT (topic, doc_key) DO UPDATE SET doc_version = EXCLUDED.doc_version,
                seq = EXCLUDED.seq, kind = EXCLUDED.kind, payload = EXCLUDED.payload,
                payload_hash = EXCLUDED.payload_hash, updated_at = EXCLUDED.updated_at;
    END IF;
    -- Delivered by PostgreSQL only after the caller commits; receivers read the log, so the
    -- payload is only a hint of how far to read.
    PERFORM pg_notify('khala_events', p_topic || ' ' || v_head);
    RETURN QUERY SELECT 'ok'::text, v_head;
END;
$$;
