"""SQL for the control plane, one module per table group. Functions take the caller's connection."""
