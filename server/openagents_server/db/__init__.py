"""Storage: connection pool, embedded PostgreSQL, migrations."""
