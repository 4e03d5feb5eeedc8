-- Identity and access: users mirrored from the identity provider (WorkOS is the authority), orgs and
-- memberships, login challenges, device sessions with rotating refresh tokens, personal access tokens,
-- and fixed-window rate-limit counters shared by every process.

CREATE TABLE users (
    id text PRIMARY KEY,
    -- The identity provider's user id (WorkOS ``user_…``; ``local_…`` for the local provider).
    provider text NOT NULL,
    provider_user_id text NOT NULL,
    email text NOT NULL CHECK (email = lower(email)),
    name text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (provider, provider_user_id)
);
CREATE UNIQUE INDEX users_email_idx ON users (email);

CREATE TABLE orgs (
    id text PRIMARY KEY,
    slug text NOT NULL UNIQUE,
    name text NOT NULL,
    -- Set for the personal org every user gets; deleted with its owner.
    personal_owner_id text UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE org_memberships (
    org_id text NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
    -- Sync/policy scopes this membership grants; NULL = the role's defaults.
    role_scopes text[],
    default_org boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, user_id)
);
CREATE INDEX org_memberships_user_idx ON org_memberships (user_id);

-- One row per "send me a code". The local provider keeps its code here (local/test only).
CREATE TABLE auth_challenges (
    id text PRIMARY KEY,
    email text NOT NULL,
    provider text NOT NULL,
    provider_challenge_id text,
    pending_provider_user_id text,
    local_code text,
    attempts integer NOT NULL DEFAULT 0,
    expires_at timestamptz NOT NULL,
    consumed_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auth_challenges_email_idx ON auth_challenges (email, created_at DESC);

CREATE TABLE auth_sessions (
    id text PRIMARY KEY,
    user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device_id text NOT NULL,
    client_kind text NOT NULL CHECK (client_kind IN ('browser', 'api')),
    active_org_id text,
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked', 'expired')),
    access_token_hash bytea NOT NULL,
    access_expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_refreshed_at timestamptz,
    revoked_at timestamptz,
    revoked_reason text,
    user_agent text,
    ip_address text
);
CREATE UNIQUE INDEX auth_sessions_access_idx ON auth_sessions (access_token_hash);
-- anchor: one active session per (user, device); a new login on the device replaces the old one.
CREATE UNIQUE INDEX auth_sessions_device_active_idx ON auth_sessions (user_id, device_id) WHERE status = 'active';
CREATE INDEX auth_sessions_user_idx ON auth_sessions (user_id, created_at DESC);

CREATE TABLE auth_refresh_tokens (
    id text PRIMARY KEY,
    session_id text NOT NULL REFERENCES auth_sessions (id) ON DELETE CASCADE,
    token_hash bytea NOT NULL UNIQUE,
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'rotated', 'revoked')),
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    rotated_at timestamptz,
    replaced_by text
);
CREATE INDEX auth_refresh_tokens_session_idx ON auth_refresh_tokens (session_id);

CREATE TABLE personal_access_tokens (
    id text PRIMARY KEY,
    user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name text NOT NULL,
    token_hash bytea NOT NULL UNIQUE,
    abilities text[] NOT NULL,
    expires_at timestamptz,
    last_used_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX personal_access_tokens_user_idx ON personal_access_tokens (user_id, created_at DESC);

-- Fixed-window counters: one atomic upsert per limited request, correct across processes.
CREATE UNLOGGED TABLE rate_limit_counters (
    bucket text NOT NULL,
    window_start timestamptz NOT NULL,
    hits integer NOT NULL,
    PRIMARY KEY (bucket, window_start)
);
