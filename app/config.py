"""Configuration: `config.yaml` defaults, then `MICROBLOG_CONFIG`, then environment variables.

The layering itself is `observability.config_files` (Flask-free, shared with the logs CLI).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from observability.config_files import (
    DEFAULT_CONFIG_FILE,
    ENV_KEYS,
    PROJECT_ROOT,
    ConfigError,
    coerce,
    gather_settings,
    resolve_log_dir,
)

# The layering's names are re-exported: the factory, gunicorn.conf.py and the tests use them.
__all__ = [
    "DEFAULT_CONFIG_FILE",
    "ENGINE_DEFAULTS",
    "ENV_KEYS",
    "PROJECT_ROOT",
    "SERVER_ENGINE_DEFAULTS",
    "ConfigError",
    "coerce",
    "gather_settings",
    "load_config",
    "persisted_secret_key",
    "resolve_log_dir",
]

# hide_parameters: SQL errors name the statement, not the row (emails, hashes stay out of logs).
ENGINE_DEFAULTS = {"hide_parameters": True}
# pool_pre_ping, for database servers only: a restarted server costs one retry, not an error
# per pooled connection. A SQLite file cannot go away under a connection; a ping would only
# add a query to every request.
SERVER_ENGINE_DEFAULTS = {**ENGINE_DEFAULTS, "pool_pre_ping": True}


def _resolve_database_url(url: str) -> str:
    """PostgreSQL URLs that name no driver get psycopg 3 (the `postgres` extra)."""
    # Heroku-style postgres:// names a dialect SQLAlchemy dropped, and a bare postgresql://
    # means psycopg2, which we do not install. (Relative SQLite paths live in instance/.)
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def persisted_secret_key(instance_path: Path) -> str:
    """Return the instance's secret key, creating it once (0600) so every worker shares it."""
    key_file = instance_path / "secret_key"
    try:
        return _read_key(key_file)
    except FileNotFoundError:
        pass
    instance_path.mkdir(parents=True, exist_ok=True)
    candidate = instance_path / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(32))
    try:
        os.link(candidate, key_file)  # atomic create-if-absent: the first worker wins
    except FileExistsError:
        pass
    finally:
        candidate.unlink()
    return _read_key(key_file)


def _read_key(key_file: Path) -> str:
    key = key_file.read_text(encoding="ascii").strip()
    if not key:
        raise ConfigError(f"{key_file} is empty; delete it to have a new key generated")
    return key


def load_config(app: Flask, overrides: Mapping[str, Any] | None = None) -> None:
    """Fill `app.config` from the layered settings and derive what Flask's extensions read."""
    settings = gather_settings(os.environ, overrides)
    app.config["BOOTSTRAP_SERVE_LOCAL"] = True  # Bootstrap's CSS/JS from the package, no CDN
    app.config.update(settings)
    database_url = _resolve_database_url(
        str(settings.get("SQLALCHEMY_DATABASE_URI") or settings["DATABASE_URL"])
    )
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url
    defaults = ENGINE_DEFAULTS if database_url.startswith("sqlite") else SERVER_ENGINE_DEFAULTS
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        **defaults, **(settings.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    }
    if settings.get("FLASK_DEBUG"):
        app.debug = True
    app.config["LOG_DIR"] = str(resolve_log_dir(settings))
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = persisted_secret_key(Path(app.instance_path))
