"""`flask logs` (a plugin) and `microblog-logs` are one group: run without the app, LOG_DIR found
as the app finds it."""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.cli import FlaskGroup

from app.config import PROJECT_ROOT, load_config
from observability.search.cli import chosen_log_dir
from observability.search.cli import logs as logs_group
from tests.logs_factory import BOOM1, write_standard_logs


def _no_app() -> Flask:
    raise AssertionError("`flask logs` built the app")


@pytest.fixture
def flask_cli(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """Run the real `flask` command group, whose app must never be built."""
    monkeypatch.delenv("FLASK_RUN_FROM_CLI", raising=False)  # FlaskGroup sets it; restore it

    def _run(*args: str) -> Result:
        return CliRunner().invoke(FlaskGroup(create_app=_no_app, load_dotenv=False), args)

    return _run


@pytest.fixture
def logs_without_app() -> Callable[..., Result]:
    """Invoke the `logs` group outside any app context, as a shell's `flask logs` runs."""

    def _run(*args: str) -> Result:
        return CliRunner().invoke(logs_group, args)

    return _run


def test_flask_finds_logs_without_building_the_app(
    tmp_path: Path, flask_cli: Callable[..., Result]
) -> None:
    """`flask logs show` resolves as a plugin: the story is printed and the factory never runs."""
    log_dir = write_standard_logs(tmp_path / "logs")
    result = flask_cli("logs", "show", BOOM1.lower(), "--log-dir", str(log_dir))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"request {BOOM1}: 2 events")


def test_flask_logs_help_needs_no_app(flask_cli: Callable[..., Result]) -> None:
    """Help for the group and a command is there without an app (or a database)."""
    group = flask_cli("logs", "--help")
    assert group.exit_code == 0, group.output
    assert "show" in group.stdout and "errors" in group.stdout
    show = flask_cli("logs", "show", "--help")
    assert show.exit_code == 0
    assert "--log-dir" in show.stdout


def test_log_dir_comes_from_the_environment_without_an_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, logs_without_app: Callable[..., Result]
) -> None:
    """LOG_DIR in the environment is where a shell's `flask logs` looks, as the app would."""
    log_dir = write_standard_logs(tmp_path / "from-env")
    monkeypatch.setenv("LOG_DIR", str(log_dir))
    result = logs_without_app("show", BOOM1)
    assert result.exit_code == 0, result.output
    assert BOOM1 in result.stdout


def test_a_relative_log_dir_in_a_config_file_is_under_the_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MICROBLOG_CONFIG's `LOG_DIR: var/log` means <project>/var/log, as for the app."""
    config = tmp_path / "site.yaml"
    config.write_text("LOG_DIR: var/log\n", encoding="utf-8")
    monkeypatch.setenv("MICROBLOG_CONFIG", str(config))
    assert chosen_log_dir(None) == PROJECT_ROOT / "var" / "log"


def test_without_settings_the_default_log_dir_is_the_projects() -> None:
    """No LOG_DIR anywhere but config.yaml's `logs`: `logs/` under the project root."""
    assert chosen_log_dir(None) == PROJECT_ROOT / "logs"


def test_inside_an_app_context_its_log_dir_is_used(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A caller's active app wins over the environment (tests and scripts configure the app)."""
    monkeypatch.setenv("LOG_DIR", str(tmp_path / "elsewhere"))
    with app.app_context():
        assert chosen_log_dir(None) == Path(app.config["LOG_DIR"])


def test_log_dir_option_wins_over_everything(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--log-dir` beats both the environment and an active app's setting."""
    chosen = write_standard_logs(tmp_path / "chosen")
    monkeypatch.setenv("LOG_DIR", str(tmp_path / "elsewhere"))
    with app.app_context():
        result = CliRunner().invoke(logs_group, ["search", "--log-dir", str(chosen),
                                                 "--level", "error"])
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 3


def test_not_found_names_the_folder_searched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, logs_without_app: Callable[..., Result]
) -> None:
    """An empty result says which folder was read, so a wrong LOG_DIR is obvious."""
    monkeypatch.setenv("LOG_DIR", str(tmp_path / "empty"))
    result = logs_without_app("show", BOOM1)
    assert result.exit_code == 1
    assert f"in {tmp_path / 'empty'}" in result.stderr


def test_unreadable_settings_are_exit_2_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, logs_without_app: Callable[..., Result]
) -> None:
    """A MICROBLOG_CONFIG that does not exist is a clear error, not a traceback."""
    monkeypatch.setenv("MICROBLOG_CONFIG", str(tmp_path / "missing.yaml"))
    result = logs_without_app("errors")
    assert result.exit_code == 2
    assert "cannot work out LOG_DIR: configuration file not found" in result.stderr
    assert "Traceback" not in result.output


def test_the_apps_own_cli_no_longer_carries_logs(app: Flask) -> None:
    """One registration only: `flask logs` must never come from `app.cli` (which loads the app)."""
    assert "logs" not in app.cli.commands
    assert "send-test-email" in app.cli.commands


def test_both_entry_points_are_the_one_group() -> None:
    """The console script and the Flask plugin name the same click group."""
    (script,) = entry_points(group="console_scripts", name="microblog-logs")
    (plugin,) = entry_points(group="flask.commands", name="logs")
    assert script.value == "observability.search.cli:main"
    assert plugin.value == "observability.search.cli:logs"
    assert plugin.load() is logs_group
    assert sorted(logs_group.commands) == ["errors", "search", "show"]


@pytest.mark.parametrize(
    ("environment", "config_file"),
    [
        ({}, None),
        ({"LOG_DIR": "var/env-logs"}, None),
        ({}, "LOG_DIR: var/file-logs\n"),
        ({"LOG_DIR": "/srv/absolute-logs"}, "LOG_DIR: var/file-logs\n"),
    ],
)
def test_log_dir_is_the_folder_the_app_would_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, environment: dict[str, str],
    config_file: str | None,
) -> None:
    """Environment, MICROBLOG_CONFIG and config.yaml give the CLI the app's own LOG_DIR."""
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    if config_file is not None:
        (tmp_path / "site.yaml").write_text(config_file, encoding="utf-8")
        monkeypatch.setenv("MICROBLOG_CONFIG", str(tmp_path / "site.yaml"))
    monkeypatch.setenv("SECRET_KEY", "probe-secret")  # so load_config writes no key file
    probe = Flask("probe", instance_path=str(tmp_path / "instance"))
    load_config(probe)
    assert chosen_log_dir(None) == Path(probe.config["LOG_DIR"])


def test_log_dir_in_the_environment_needs_no_settings_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """LOG_DIR in the environment wins over both files, so a missing one cannot stop a search."""
    monkeypatch.setenv("MICROBLOG_CONFIG", str(tmp_path / "missing.yaml"))
    monkeypatch.setenv("LOG_DIR", str(tmp_path / "logs"))
    assert chosen_log_dir(None) == tmp_path / "logs"
