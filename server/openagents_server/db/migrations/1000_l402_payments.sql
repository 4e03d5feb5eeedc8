-- L402 and agent payments (docs/L402.md). Money is integer millisatoshis everywhere (bigint);
-- the API shows satoshis next to them. Nothing here is ever a float.

-- Selling: paywalls on this platform's routes (or an upstream URL). ``service`` is the L402 service
-- name bound into the macaroons minted for it.
CREATE TABLE l402_paywalls (
    id text PRIMARY KEY,
    name text NOT NULL,
    service text NOT NULL UNIQUE,
    route_prefix text NOT NULL UNIQUE,
    upstream_url text,
    price_msat bigint NOT NULL CHECK (price_msat > 0),
    credential_ttl_seconds integer NOT NULL CHECK (credential_ttl_seconds > 0),
    enabled boolean NOT NULL DEFAULT true,
    created_by text REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Every 402 challenge issued: the invoice and the token it was bound to. A credential is only
-- honoured for a challenge this platform issued.
CREATE TABLE l402_challenges (
    payment_hash text PRIMARY KEY,
    token_id text NOT NULL UNIQUE,
    paywall_id text NOT NULL,
    service text NOT NULL,
    amount_msat bigint NOT NULL CHECK (amount_msat > 0),
    payment_request text NOT NULL,
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- A challenge whose preimage was presented (or reported by the node): money received.
CREATE TABLE l402_settlements (
    id text PRIMARY KEY,
    payment_hash text NOT NULL UNIQUE,
    paywall_id text,
    service text NOT NULL,
    amount_msat bigint NOT NULL CHECK (amount_msat > 0),
    source text NOT NULL CHECK (source IN ('credential', 'node', 'control_plane')),
    settled_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX l402_settlements_settled_idx ON l402_settlements (settled_at DESC, id DESC);

-- Which paywall configuration is live: one row per compile/apply, with the configuration's hash.
CREATE TABLE l402_deployments (
    id text PRIMARY KEY,
    config_hash text NOT NULL,
    paywall_ids text[] NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'applied', 'failed', 'rolled_back')),
    source text NOT NULL,
    diagnostics jsonb NOT NULL DEFAULT '[]',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX l402_deployments_created_idx ON l402_deployments (created_at DESC, id DESC);

-- Control-plane switches (one row): the global pause of every paywall.
CREATE TABLE l402_control_state (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    paused boolean NOT NULL DEFAULT false,
    reason text,
    updated_by text,
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO l402_control_state (id) VALUES (true);

-- Buying: one custodial wallet per person. ``balance_msat`` is the ledger balance (already net of
-- in-flight reservations); the spend policy lives on the row so it is read under the same lock.
CREATE TABLE agent_wallets (
    id text PRIMARY KEY,
    user_id text NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    balance_msat bigint NOT NULL DEFAULT 0 CHECK (balance_msat >= 0),
    max_payment_msat bigint NOT NULL CHECK (max_payment_msat > 0),
    daily_budget_msat bigint NOT NULL CHECK (daily_budget_msat > 0),
    approval_threshold_msat bigint,
    allowed_hosts text[] NOT NULL DEFAULT '{}',
    spark_address text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Every movement of a wallet's money. ``reserved_msat`` is what was taken from the balance when the
-- payment started (amount + fee cap); it is returned on failure and the unused fee on success.
CREATE TABLE wallet_transactions (
    id text PRIMARY KEY,
    wallet_id text NOT NULL REFERENCES agent_wallets (id) ON DELETE CASCADE,
    user_id text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('invoice', 'payment', 'spark_send')),
    direction text NOT NULL CHECK (direction IN ('in', 'out')),
    status text NOT NULL CHECK (status IN ('pending', 'in_flight', 'succeeded', 'failed', 'expired')),
    amount_msat bigint NOT NULL CHECK (amount_msat > 0),
    fee_msat bigint NOT NULL DEFAULT 0 CHECK (fee_msat >= 0),
    reserved_msat bigint NOT NULL DEFAULT 0 CHECK (reserved_msat >= 0),
    payment_key text NOT NULL,
    payment_hash text,
    payment_request text,
    preimage text,
    destination text,
    host text,
    memo text,
    mode text NOT NULL,
    failure_reason text,
    receipt jsonb,
    receipt_sha256 text,
    expires_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    settled_at timestamptz,
    UNIQUE (wallet_id, payment_key)
);
CREATE INDEX wallet_transactions_wallet_idx ON wallet_transactions (wallet_id, created_at DESC, id DESC);
-- One live outgoing payment per invoice and wallet, whatever its payment key.
CREATE UNIQUE INDEX wallet_transactions_one_payment_per_invoice
    ON wallet_transactions (wallet_id, payment_hash)
    WHERE direction = 'out' AND payment_hash IS NOT NULL AND status <> 'failed';

-- Paid L402 credentials the wallet holds, sealed (macaroon and preimage are bearer secrets).
CREATE TABLE l402_credentials (
    wallet_id text NOT NULL REFERENCES agent_wallets (id) ON DELETE CASCADE,
    scope text NOT NULL,
    payment_hash text NOT NULL,
    key_id text NOT NULL,
    wrapped_key bytea NOT NULL,
    ciphertext bytea NOT NULL,
    expires_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (wallet_id, scope)
);
