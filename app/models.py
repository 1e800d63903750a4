"""Database models (stub: the web-app issue fills it)."""
