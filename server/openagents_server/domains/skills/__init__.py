"""The skill registry: tool specs, skill specs and immutable semver releases (docs/AUTOPILOTS.md)."""
