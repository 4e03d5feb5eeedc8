"""Shell delivery: hosting of content-hashed bundles, the single-shell fallback, rollout state
(active / canary / kill switch) shared through PostgreSQL, and the client compatibility gate.

Modules are imported where used (``web.hosting``, ``web.controller`` …): importing the package
itself loads nothing, so the app's dependency types can name ``WebHosting`` without a cycle."""
