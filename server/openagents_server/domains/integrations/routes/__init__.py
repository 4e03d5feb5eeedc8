"""Controllers of the integrations domain: the JSON API, the web entries, the webhook, the internal fetch."""
