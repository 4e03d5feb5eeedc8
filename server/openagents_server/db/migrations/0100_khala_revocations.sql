-- Sessions whose sync tokens Khala must refuse (written by the control service on revoke).
CREATE TABLE khala_revoked_sessions (
    session_id text PRIMARY KEY,
    reason text NOT NULL,
    revoked_at timestamptz NOT NULL DEFAULT now()
);
