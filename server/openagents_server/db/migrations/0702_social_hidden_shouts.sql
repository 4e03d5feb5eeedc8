-- Hiding a reported shout (issue 21, ADR 0702): an administrator who resolves a report as `actioned`
-- hides the shout. Lists leave it out for everyone but its author (who sees it marked hidden); the
-- zone counts stop counting it; `feed:public` gets a `shout.hidden` event so open feeds drop it.
ALTER TABLE shouts
    ADD COLUMN hidden_at timestamptz,
    ADD COLUMN hidden_by text REFERENCES users (id) ON DELETE SET NULL;
