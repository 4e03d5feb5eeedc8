-- Admins review shout reports (issue 21): a report is open until an administrator resolves it.
-- `n` orders the review queue (keyset cursor, newest first); resolution is `dismissed` (nothing
-- wrong) or `actioned` (the admin dealt with the author), with an optional note.
ALTER TABLE shout_reports
    ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY,
    ADD COLUMN resolved_at timestamptz,
    ADD COLUMN resolved_by text REFERENCES users (id) ON DELETE SET NULL,
    ADD COLUMN resolution text CHECK (resolution IN ('dismissed', 'actioned')),
    ADD COLUMN resolution_note text,
    ADD CONSTRAINT shout_reports_resolution_complete CHECK ((resolved_at IS NULL) = (resolution IS NULL));

CREATE INDEX shout_reports_open ON shout_reports (n DESC) WHERE resolved_at IS NULL;
CREATE UNIQUE INDEX shout_reports_n ON shout_reports (n);
