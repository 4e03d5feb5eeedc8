"""Outside services behind small interfaces: Resend (email) and Google (OAuth 2.0)."""
