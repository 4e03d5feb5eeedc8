-- One applied webhook in one statement (ADR 0903): claim the svix-id, advance the delivery and append
-- the owner's Khala event, all or nothing, in a single round trip that commits on its own
-- (autocommit). Before, the same work took BEGIN, the claim/advance statement, khala_append and
-- COMMIT: four round trips with the topic row lock held across the client's network turns.
--
-- The event is prepared by the caller (canonical JSON + hash, khala.log.prepare) from the delivery
-- row it read first; it is appended only when this call applied the event. Any refusal raises, so
-- the statement rolls back as a whole: SQLSTATE OA409 = a racing copy took the svix-id first (our
-- advance is undone; the caller answers "duplicate"), OA429 = the topic is over its publish rate.
CREATE FUNCTION integrations_apply_webhook(
    p_svix_id text, p_provider text, p_event_type text, p_message_id text, p_raw_body bytea,
    p_state text, p_rank integer, p_event_at timestamptz,
    p_topic text, p_class text, p_kind text, p_doc_key text, p_payload bytea, p_hash text, p_rate_limit integer
) RETURNS TABLE (outcome text, user_id text, seq bigint)
LANGUAGE plpgsql AS $$
DECLARE
    v_outcome text;
    v_user text;
    v_status text;
    v_seq bigint;
BEGIN
    WITH adv AS (
        UPDATE email_deliveries d SET state = p_state, state_rank = p_rank, last_event_at = p_event_at,
                                      updated_at = now()
        WHERE p_state IS NOT NULL AND d.message_id = p_message_id AND d.state_rank < p_rank
          AND NOT EXISTS (SELECT 1 FROM webhook_events w WHERE w.svix_id = p_svix_id AND w.status <> 'failed')
        RETURNING d.user_id
    ), claim AS (
        INSERT INTO webhook_events (svix_id, provider, event_type, message_id, status, raw_body, applied_at)
        SELECT p_svix_id, p_provider, p_event_type, p_message_id,
               CASE WHEN EXISTS (SELECT 1 FROM adv) THEN 'applied' ELSE 'ignored' END, p_raw_body, now()
        ON CONFLICT (svix_id) DO UPDATE SET status = EXCLUDED.status, attempts = webhook_events.attempts + 1,
            raw_body = EXCLUDED.raw_body, last_error = NULL, next_retry_at = NULL, applied_at = now()
            WHERE webhook_events.status = 'failed'
        RETURNING status
    )
    SELECT (SELECT status FROM claim), adv.user_id INTO v_outcome, v_user
    FROM (SELECT 1) AS one LEFT JOIN adv ON true;

    IF v_outcome IS NULL AND v_user IS NOT NULL THEN
        RAISE EXCEPTION 'svix-id % was taken meanwhile', p_svix_id USING ERRCODE = 'OA409';
    END IF;
    IF v_outcome = 'applied' THEN
        IF p_payload IS NULL OR p_topic <> 'user:' || v_user || ':notifications' THEN
            RAISE EXCEPTION 'the prepared event does not match delivery owner %', v_user USING ERRCODE = 'OA400';
        END IF;
        SELECT a.status, a.seq INTO v_status, v_seq
        FROM khala_append(p_topic, p_class, p_kind, p_doc_key, NULL, p_payload, p_hash, NULL, NULL,
                          p_rate_limit, false) AS a;
        IF v_status <> 'ok' THEN
            RAISE EXCEPTION 'khala_append: %', v_status USING ERRCODE = 'OA429';
        END IF;
    END IF;
    RETURN QUERY SELECT v_outcome, v_user, v_seq;
END $$;
