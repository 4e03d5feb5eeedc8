-- Integrations (docs/INTEGRATIONS.md): a person's connected Resend and Google accounts, their
-- secrets under envelope encryption, Resend delivery webhooks taken exactly once, and the nonces of
-- signed internal calls.

-- One row per person and provider. The secret is never stored in the clear: ``ciphertext`` is
-- AES-GCM under a random data key, and ``wrapped_key`` is that data key under the keyring key
-- ``key_id`` (settings). ``secret_hint`` (e.g. ``re_…abcd``) is all that is ever shown again.
CREATE TABLE integrations (
    id text PRIMARY KEY,
    user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider text NOT NULL CHECK (provider IN ('resend', 'google')),
    account_label text,
    secret_hint text NOT NULL,
    key_id text NOT NULL,
    wrapped_key bytea NOT NULL,
    ciphertext bytea NOT NULL,
    scopes text[] NOT NULL DEFAULT '{}',
    token_expires_at timestamptz,
    last_used_at timestamptz,
    last_error text,
    last_error_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, provider)
);
CREATE INDEX integrations_key_id_idx ON integrations (key_id);

-- OAuth authorization requests in flight: one-use ``state`` bound to the person, with the PKCE
-- verifier. Consumed on the callback (a reused state finds consumed_at set).
CREATE TABLE integration_oauth_states (
    state text PRIMARY KEY,
    user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider text NOT NULL,
    code_verifier text NOT NULL,
    redirect_uri text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    consumed_at timestamptz
);

-- Emails sent through a person's Resend account and their delivery state. ``state_rank`` only
-- grows, so out-of-order webhooks never move a message backwards.
CREATE TABLE email_deliveries (
    message_id text PRIMARY KEY,
    user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    integration_id text,
    to_address text NOT NULL,
    subject text NOT NULL,
    state text NOT NULL,
    state_rank smallint NOT NULL,
    last_event_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX email_deliveries_user_idx ON email_deliveries (user_id, created_at DESC);

-- Every verified webhook message, keyed by its svix-id: the idempotency record, the retry state of
-- failed applications, and the raw body (kept integrations_webhook_retention_days, then pruned).
CREATE TABLE webhook_events (
    svix_id text PRIMARY KEY,
    provider text NOT NULL,
    event_type text,
    message_id text,
    status text NOT NULL CHECK (status IN ('applied', 'ignored', 'failed')),
    attempts integer NOT NULL DEFAULT 1,
    last_error text,
    next_retry_at timestamptz,
    raw_body bytea,
    received_at timestamptz NOT NULL DEFAULT now(),
    applied_at timestamptz
);
CREATE INDEX webhook_events_received_idx ON webhook_events (received_at) WHERE raw_body IS NOT NULL;
CREATE INDEX webhook_events_message_idx ON webhook_events (message_id, received_at DESC);

-- Nonces of signed internal calls (runtime → control plane), refused when seen again. Rows older
-- than the signature window can go: a stale timestamp is refused before its nonce is looked at.
CREATE TABLE internal_request_nonces (
    nonce text PRIMARY KEY,
    key_id text NOT NULL,
    seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX internal_request_nonces_seen_idx ON internal_request_nonces (seen_at);
