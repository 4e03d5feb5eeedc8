-- Issue 18: limits that hold across addresses, challenges and workers.

-- GCRA (a token bucket kept as one timestamp): the theoretical arrival time of the next request.
-- One atomic upsert per hit; no window edge at which twice the limit passes (docs/adr/0203).
CREATE UNLOGGED TABLE rate_limit_buckets (
    bucket text PRIMARY KEY,
    tat timestamptz NOT NULL,
    allowed boolean NOT NULL DEFAULT true
);

-- Per-credential API budget: a shared token bucket from which each worker leases small batches.
CREATE UNLOGGED TABLE api_credential_buckets (
    credential_id text PRIMARY KEY,
    tokens double precision NOT NULL,
    granted integer NOT NULL,
    updated_at timestamptz NOT NULL
);

-- Wrong sign-in codes per email, across challenges and source addresses (resends do not reset it).
CREATE TABLE sign_in_failures (
    email text PRIMARY KEY CHECK (email = lower(email)),
    failures integer NOT NULL,
    first_failure_at timestamptz NOT NULL,
    last_failure_at timestamptz NOT NULL,
    locked_until timestamptz NOT NULL
);

DROP TABLE rate_limit_counters;
