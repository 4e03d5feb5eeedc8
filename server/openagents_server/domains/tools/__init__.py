"""Tools: one typed, policed, receipted API for what autopilot runs may do (docs/AUTOPILOTS.md)."""
