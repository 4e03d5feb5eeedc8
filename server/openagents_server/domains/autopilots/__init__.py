"""Autopilots: a person's own configured agent, its threads and runs (docs/AUTOPILOTS.md)."""
