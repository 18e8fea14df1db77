"""Storage in SQLite (default) or PostgreSQL through one SQLAlchemy schema."""
