-- A run's policy: what it may use beyond its worker. `integrations` lists the providers whose secrets
-- the run may fetch through the signed internal call (docs/INTEGRATIONS.md); autopilots (issue 22)
-- set it when they start a run. Empty: the run may fetch nothing.
ALTER TABLE runtime_runs ADD COLUMN policy jsonb NOT NULL DEFAULT '{}'::jsonb;
