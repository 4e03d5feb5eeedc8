"""Pages: one module per route family, each a view function of the app state."""
