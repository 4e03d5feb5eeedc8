"""Identity: sign-in (local or WorkOS), device sessions, authentication of requests, profile, sync tokens."""
