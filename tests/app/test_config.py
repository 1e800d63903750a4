"""Configuration layering and the persisted secret key."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from app.config import ConfigError, coerce, gather_settings, persisted_secret_key
from observability.settings import ObservabilitySettings


def test_environment_overrides_yaml() -> None:
    """An environment variable beats config.yaml, with its type coerced."""
    settings = gather_settings({"LOG_MAX_BYTES": "2048", "ADMINS": "a@x.org, b@x.org"})
    assert settings["LOG_MAX_BYTES"] == 2048
    assert settings["ADMINS"] == ["a@x.org", "b@x.org"]


def test_microblog_config_file_layer(tmp_path: Path) -> None:
    """MICROBLOG_CONFIG names a file that overrides the defaults but not the environment."""
    other = tmp_path / "other.yaml"
    other.write_text("LOG_LEVEL: DEBUG\nPOSTS_PER_PAGE: 5\nlowercase: ignored\n")
    settings = gather_settings({"MICROBLOG_CONFIG": str(other), "POSTS_PER_PAGE": "7"})
    assert settings["LOG_LEVEL"] == "DEBUG"
    assert settings["POSTS_PER_PAGE"] == 7
    assert "lowercase" not in settings


def test_bad_values_name_the_key() -> None:
    """A value of the wrong type is a clear error naming the setting."""
    with pytest.raises(ConfigError, match="MAIL_PORT"):
        coerce("MAIL_PORT", "twenty-five")
    with pytest.raises(ConfigError, match="MAIL_USE_TLS"):
        coerce("MAIL_USE_TLS", "maybe")


def test_missing_config_file_is_a_clear_error(tmp_path: Path) -> None:
    """A MICROBLOG_CONFIG that points nowhere says so."""
    with pytest.raises(ConfigError, match="not found"):
        gather_settings({"MICROBLOG_CONFIG": str(tmp_path / "absent.yaml")})


def test_secret_key_is_persisted_once_and_private(tmp_path: Path) -> None:
    """Two app instances (two workers) share one generated key, stored with mode 0600."""
    first = persisted_secret_key(tmp_path / "instance")
    second = persisted_secret_key(tmp_path / "instance")
    assert first == second
    assert len(first) == 64
    mode = stat.S_IMODE(os.stat(tmp_path / "instance" / "secret_key").st_mode)
    assert mode == 0o600
    assert list((tmp_path / "instance").iterdir()) == [tmp_path / "instance" / "secret_key"]


def test_engine_defaults_depend_on_the_database(tmp_path: Path) -> None:
    """Every engine hides SQL parameters; only a database server gets pool_pre_ping."""
    from flask import Flask

    from app.config import load_config

    sqlite_app = Flask("sqlite_app", instance_path=str(tmp_path))
    server_app = Flask("server_app", instance_path=str(tmp_path))
    load_config(sqlite_app, {"SECRET_KEY": "k", "DATABASE_URL": "sqlite:///x.db"})
    load_config(server_app, {"SECRET_KEY": "k", "DATABASE_URL": "postgresql://u@db/m",
                             "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 2}})
    assert sqlite_app.config["SQLALCHEMY_ENGINE_OPTIONS"] == {"hide_parameters": True}
    assert server_app.config["SQLALCHEMY_ENGINE_OPTIONS"] == {
        "hide_parameters": True, "pool_pre_ping": True, "pool_size": 2}
    assert server_app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/m"


def test_console_format_and_static_requests_come_from_the_environment(tmp_path: Path) -> None:
    """LOG_CONSOLE_FORMAT and LOG_STATIC_REQUESTS default to auto/false; the environment wins."""
    defaults = ObservabilitySettings.from_mapping(gather_settings({}), state_dir=tmp_path)
    assert (defaults.console_format, defaults.log_static_requests) == ("auto", False)
    chosen = ObservabilitySettings.from_mapping(
        gather_settings({"LOG_CONSOLE_FORMAT": "json", "LOG_STATIC_REQUESTS": "yes"}),
        state_dir=tmp_path,
    )
    assert (chosen.console_format, chosen.log_static_requests) == ("json", True)
