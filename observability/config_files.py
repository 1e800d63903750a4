"""The settings layers without Flask: `config.yaml`, then `MICROBLOG_CONFIG`, then the environment.

The app's factory (`app.config.load_config`) and the logs CLI (`microblog-logs`, `flask logs`)
both call these, so both find the same LOG_DIR; neither Flask nor the app package is imported.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_FILE = PROJECT_ROOT / "config.yaml"

_INT_KEYS = frozenset(
    {"LOG_MAX_BYTES", "LOG_BACKUP_COUNT", "MAIL_PORT", "ERROR_EMAIL_THROTTLE_SECONDS",
     "POSTS_PER_PAGE", "MAX_CONTENT_LENGTH",
     "SLOW_REQUEST_MS", "BREADCRUMBS_MAX"}
)
# Behind HTTPS and a trusted proxy (app/proxy.py); login throttling (app/auth/throttle.py).
_INT_KEYS |= {"PROXY_FIX_X_FOR", "PROXY_FIX_X_PROTO", "PROXY_FIX_X_HOST", "PROXY_FIX_X_PORT",
              "PROXY_FIX_X_PREFIX"}
_BOOL_KEYS = frozenset({"MAIL_USE_TLS", "MAIL_USE_SSL", "FLASK_DEBUG",
                        "LOG_STATIC_REQUESTS"})
_BOOL_KEYS |= {"SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"}
_LIST_KEYS = frozenset({"ADMINS"})
_STR_KEYS = frozenset(
    {"SECRET_KEY", "DATABASE_URL", "LOG_DIR", "LOG_LEVEL", "MAIL_SERVER", "MAIL_USERNAME",
     "MAIL_PASSWORD", "MAIL_FROM", "EXTERNAL_URL",
     "SENTRY_DSN", "LOG_CONSOLE_FORMAT"}
)
_STR_KEYS |= {"RATELIMIT_STORAGE_URI", "LOGIN_ACCOUNT_LIMIT", "LOGIN_ADDRESS_LIMIT"}
# Keys with a fixed set of values (lowercased); anything else is a ConfigError naming them.
_CHOICE_KEYS: dict[str, tuple[str, ...]] = {"AVATARS": ("local", "gravatar")}
ENV_KEYS = _INT_KEYS | _BOOL_KEYS | _LIST_KEYS | _STR_KEYS | frozenset(_CHOICE_KEYS)


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
    if key in _CHOICE_KEYS:
        choice = str(value).strip().lower()
        if choice not in _CHOICE_KEYS[key]:
            raise ConfigError(f"{key} must be one of {', '.join(_CHOICE_KEYS[key])}, not {value!r}")
        return choice
    if key in _LIST_KEYS:
        items = value if isinstance(value, list | tuple) else str(value or "").split(",")
        return [str(item).strip() for item in items if str(item).strip()]
    return value


def _read_yaml(path: Path) -> dict[str, Any]:
    import yaml  # here, not above: `microblog-logs --log-dir DIR` never reads a settings file

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


def resolve_log_dir(settings: Mapping[str, Any]) -> Path:
    """The log folder the settings name; a relative one is under the project root."""
    log_dir = Path(str(settings.get("LOG_DIR") or "logs"))
    return log_dir if log_dir.is_absolute() else PROJECT_ROOT / log_dir


def configured_log_dir(environ: Mapping[str, str]) -> Path:
    """LOG_DIR as the app would resolve it from these settings layers.

    LOG_DIR in the environment wins over both files, so then neither is read: reading the logs
    never pays for PyYAML, and a damaged settings file cannot stand between an admin and them.
    """
    if "LOG_DIR" in environ:
        return resolve_log_dir({"LOG_DIR": coerce("LOG_DIR", environ["LOG_DIR"])})
    return resolve_log_dir(gather_settings(environ))
