"""Configuration: `config.yaml` defaults, then `MICROBLOG_CONFIG`, then environment variables."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from flask import Flask

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_FILE = PROJECT_ROOT / "config.yaml"

_INT_KEYS = frozenset(
    {"LOG_MAX_BYTES", "LOG_BACKUP_COUNT", "MAIL_PORT", "ERROR_EMAIL_THROTTLE_SECONDS",
     "POSTS_PER_PAGE", "MAX_CONTENT_LENGTH"}
)
_BOOL_KEYS = frozenset({"MAIL_USE_TLS", "MAIL_USE_SSL", "FLASK_DEBUG"})
_LIST_KEYS = frozenset({"ADMINS"})
_STR_KEYS = frozenset(
    {"SECRET_KEY", "DATABASE_URL", "LOG_DIR", "LOG_LEVEL", "MAIL_SERVER", "MAIL_USERNAME",
     "MAIL_PASSWORD", "MAIL_FROM", "EXTERNAL_URL"}
)
ENV_KEYS = _INT_KEYS | _BOOL_KEYS | _LIST_KEYS | _STR_KEYS


# hide_parameters: SQL errors name the statement, not the row (emails, hashes stay out of logs).
ENGINE_DEFAULTS = {"hide_parameters": True}
# pool_pre_ping, for database servers only: a restarted server costs one retry, not an error
# per pooled connection. A SQLite file cannot go away under a connection; a ping would only
# add a query to every request.
SERVER_ENGINE_DEFAULTS = {**ENGINE_DEFAULTS, "pool_pre_ping": True}


class ConfigError(ValueError):
    """A configuration value that cannot be used; the message names the key."""


def coerce(key: str, value: Any) -> Any:
    """Turn a raw YAML or environment value into the type the app expects."""
    if key in _BOOL_KEYS:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in {"1", "true", "yes", "on"}:
            return True
        if text in {"", "0", "false", "no", "off"}:
            return False
        raise ConfigError(f"{key} must be true or false, not {value!r}")
    if key in _INT_KEYS:
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{key} must be a whole number, not {value!r}") from None
    if key in _LIST_KEYS:
        items = value if isinstance(value, list | tuple) else str(value or "").split(",")
        return [str(item).strip() for item in items if str(item).strip()]
    return value


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        with path.open(encoding="utf-8") as handle:
            data = yaml.safe_load(handle) or {}
    except FileNotFoundError:
        raise ConfigError(f"configuration file not found: {path}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a mapping of UPPERCASE keys")
    return {key: value for key, value in data.items() if str(key).isupper()}


def gather_settings(
    environ: Mapping[str, str], overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Merge the layers, lowest first: config.yaml, MICROBLOG_CONFIG, environment, overrides."""
    merged = _read_yaml(DEFAULT_CONFIG_FILE)
    other = environ.get("MICROBLOG_CONFIG")
    if other:
        merged.update(_read_yaml(Path(other)))
    merged.update({key: environ[key] for key in ENV_KEYS if key in environ})
    merged.update(overrides or {})
    return {key: coerce(key, value) for key, value in merged.items()}


def _resolve_database_url(url: str) -> str:
    """PostgreSQL URLs that name no driver get psycopg 3 (the `postgres` extra)."""
    # Heroku-style postgres:// names a dialect SQLAlchemy dropped, and a bare postgresql://
    # means psycopg2, which we do not install. (Relative SQLite paths live in instance/.)
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def resolve_log_dir(settings: Mapping[str, Any]) -> Path:
    """The log folder the settings name; a relative one is under the project root."""
    # Shared with `flask logs`, which reads the logs without building the app.
    log_dir = Path(str(settings.get("LOG_DIR") or "logs"))
    return log_dir if log_dir.is_absolute() else PROJECT_ROOT / log_dir


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
