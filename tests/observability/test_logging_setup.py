"""configure_logging: one pipeline for ours and third-party records; sinks, levels, idempotence."""

from __future__ import annotations

import json
import logging
import os
import pty
import re
import select
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog
from pythonjsonlogger.orjson import OrjsonFormatter

from observability import logging_setup
from observability.logging_setup import (
    INSTALLED_MARK,
    configure_logging,
    parse_console_format,
    parse_level,
)
from observability.settings import ObservabilitySettings
from tests.observability.log_reading import read_log

Configure = Callable[..., ObservabilitySettings]

# Obtained at import, before any test configures logging, as app modules do.
MODULE_LOGGER = structlog.get_logger("app.early_module")


@pytest.fixture
def configure(tmp_path: Path) -> Iterator[Configure]:
    """configure_logging with test settings (no console unless asked); undone afterwards."""

    def _configure(**overrides: Any) -> ObservabilitySettings:
        fields: dict[str, Any] = {"log_dir": tmp_path / "logs", "state_dir": tmp_path,
                                  "console": False, **overrides}
        settings = ObservabilitySettings(**fields)
        configure_logging(settings)
        return settings

    yield _configure
    logging_setup.remove_installed_handlers(logging.getLogger())
    structlog.contextvars.clear_contextvars()


def _installed() -> list[logging.Handler]:
    return [h for h in logging.getLogger().handlers if getattr(h, INSTALLED_MARK, False)]


def test_structlog_events_become_json_lines(configure: Configure) -> None:
    """An event has timestamp, level, event and logger first, then its fields and context."""
    settings = configure()
    structlog.contextvars.bind_contextvars(request_id="R1", user_id=4)
    structlog.get_logger("app.main.routes").info("post_created", post_id=9)
    (event,) = read_log(settings.log_file)
    assert list(event)[:5] == ["timestamp", "level", "event", "logger", "request_id"]
    assert event["timestamp"].endswith("Z") and len(event["timestamp"]) == 24
    assert {k: v for k, v in event.items() if k != "timestamp"} == {
        "level": "info", "event": "post_created", "logger": "app.main.routes",
        "request_id": "R1", "user_id": 4, "post_id": 9,
        "service": "microblog", "host": socket.gethostname(),
    }


def test_every_line_is_rendered_by_python_json_logger(
    configure: Configure, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Our events and library records both pass through python-json-logger's `format`."""
    formatted: list[object] = []
    original = OrjsonFormatter.format

    def spy(self: OrjsonFormatter, record: logging.LogRecord) -> str:
        formatted.append(record.msg)
        return original(self, record)

    monkeypatch.setattr(OrjsonFormatter, "format", spy)
    settings = configure()
    structlog.get_logger("ours").info("ours_event")
    logging.getLogger("werkzeug").warning("theirs %s", "event")
    assert [m["event"] for m in formatted if isinstance(m, dict)] == ["ours_event", "theirs event"]
    assert [event["event"] for event in read_log(settings.log_file)] == [
        "ours_event", "theirs event"]


def test_third_party_records_get_the_same_shape_and_context(configure: Configure) -> None:
    """A stdlib record has its arguments merged, the same fields, and the bound request context."""
    settings = configure()
    structlog.contextvars.bind_contextvars(request_id="R2")
    logging.getLogger("sqlalchemy.pool").warning("pool %s is %d%% full", "main", 90,
                                                 extra={"pool": "main"})
    (event,) = read_log(settings.log_file)
    assert event["event"] == "pool main is 90% full"
    assert event["level"] == "warning"
    assert event["logger"] == "sqlalchemy.pool"
    assert event["request_id"] == "R2"
    assert event["pool"] == "main"
    assert "positional_args" not in event and "args" not in event


def test_a_library_records_extra_never_overrides_our_fields(configure: Configure) -> None:
    """Forged request_id, user_id, level, timestamp, service and host in `extra` are ignored."""
    settings = configure()
    structlog.contextvars.bind_contextvars(request_id="REAL", user_id=4)
    forged = {"request_id": "FORGED", "user_id": 99, "level": "critical", "timestamp": "then",
              "logger": "x", "service": "other", "host": "elsewhere", "fingerprint": "f"}
    logging.getLogger("werkzeug").warning("hello", extra={**forged, "peer": "10.0.0.1"})
    (event,) = read_log(settings.log_file)
    assert (event["request_id"], event["user_id"], event["level"]) == ("REAL", 4, "warning")
    assert event["timestamp"].endswith("Z") and event["logger"] == "werkzeug"
    assert (event["service"], event["host"]) == ("microblog", socket.gethostname())
    assert "fingerprint" not in event and event["peer"] == "10.0.0.1"


def test_exceptions_are_structured_for_both_kinds_of_logger(configure: Configure) -> None:
    """`log.exception` and a stdlib `exc_info` record both give the structured `exception`."""
    settings = configure()
    try:
        raise ZeroDivisionError("division by zero")
    except ZeroDivisionError:
        structlog.get_logger("ours").exception("failed")
        logging.getLogger("theirs").error("also failed", exc_info=True)
    ours, theirs = read_log(settings.log_file)
    for event in (ours, theirs):
        assert event["level"] == "error"
        assert event["exception"][0]["exc_type"] == "ZeroDivisionError"
        assert event["exception"][0]["frames"][-1]["name"] == (
            "test_exceptions_are_structured_for_both_kinds_of_logger"
        )
        assert len(event["fingerprint"]) == 12
    assert ours["fingerprint"] == theirs["fingerprint"]


def test_secrets_are_redacted_in_every_kind_of_event(configure: Configure) -> None:
    """Sensitive keys and configured secret values vanish from our events and foreign ones."""
    settings = configure(secret_values=("topsecretvalue",))
    structlog.get_logger("ours").info("login", password="hunter2", note="k=topsecretvalue")
    logging.getLogger("theirs").warning("using %s", "topsecretvalue")
    text = settings.log_file.read_text()
    assert "hunter2" not in text and "topsecretvalue" not in text
    ours, theirs = read_log(settings.log_file)
    assert ours["password"] == "[REDACTED]" and ours["note"] == "k=[REDACTED]"
    assert theirs["event"] == "using [REDACTED]"


def test_log_level_filters_every_kind_of_event(configure: Configure) -> None:
    """Below LOG_LEVEL nothing is written: structlog calls, stdlib records, loggers set lower."""
    settings = configure(log_level="WARNING")
    chatty = logging.getLogger("chatty.library")
    chatty.setLevel(logging.DEBUG)  # a library that sets its own level still obeys LOG_LEVEL
    try:
        structlog.get_logger("ours").info("hidden")
        logging.getLogger("theirs").info("hidden")
        chatty.debug("hidden")
        structlog.get_logger("ours").warning("shown")
    finally:
        chatty.setLevel(logging.NOTSET)
    assert [event["event"] for event in read_log(settings.log_file)] == ["shown"]


def test_debug_level_lets_debug_through(configure: Configure) -> None:
    """LOG_LEVEL=DEBUG writes debug events."""
    settings = configure(log_level="DEBUG")
    structlog.get_logger("ours").debug("detail")
    assert [event["level"] for event in read_log(settings.log_file)] == ["debug"]


def test_reconfiguring_replaces_our_handlers_and_keeps_others(
    configure: Configure, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A second call swaps our sinks (new file, new level) and leaves foreign handlers alone."""
    foreign = logging.NullHandler()
    logging.getLogger().addHandler(foreign)
    try:
        first = configure()
        second = configure(log_dir=tmp_path / "other", log_level="ERROR")
        assert len(_installed()) == 1
        assert foreign in logging.getLogger().handlers
        assert caplog.handler in logging.getLogger().handlers
        structlog.get_logger("ours").warning("filtered")
        structlog.get_logger("ours").error("kept")
        assert read_log(first.log_file) == []
        assert [event["event"] for event in read_log(second.log_file)] == ["kept"]
    finally:
        logging.getLogger().removeHandler(foreign)


def test_a_logger_made_before_reconfiguring_obeys_the_new_level_and_secrets(
    configure: Configure, tmp_path: Path
) -> None:
    """A module-level logger follows each configuration, not its first; bound ones the sinks."""
    first = configure(secret_values=("first-secret",))
    MODULE_LOGGER.info("early", note="first-secret")
    bound = MODULE_LOGGER.bind(component="cache")  # structlog: keeps the chain it was bound with
    second = configure(log_dir=tmp_path / "second", log_level="WARNING",
                       secret_values=("second-secret",))
    MODULE_LOGGER.info("dropped_below_the_new_level")
    MODULE_LOGGER.warning("late", note="first-secret second-secret")
    bound.info("bound_dropped_below_the_new_level")
    bound.warning("bound_late", note="first-secret")
    assert [(e["event"], e["note"]) for e in read_log(first.log_file)] == [
        ("early", "[REDACTED]")]
    assert [(e["event"], e["note"]) for e in read_log(second.log_file)] == [
        ("late", "first-secret [REDACTED]"), ("bound_late", "[REDACTED]")]


def test_a_module_logger_follows_the_level_down_and_up(configure: Configure) -> None:
    """The level of each configuration applies to loggers already used: no cached level."""
    first = configure(log_level="ERROR")
    MODULE_LOGGER.info("hidden_at_error")
    second = configure(log_dir=first.log_dir.parent / "second", log_level="DEBUG")
    MODULE_LOGGER.debug("shown_at_debug")
    third = configure(log_dir=first.log_dir.parent / "third", log_level="WARNING")
    MODULE_LOGGER.info("hidden_at_warning")
    MODULE_LOGGER.warning("shown_at_warning")
    assert read_log(first.log_file) == []
    assert [e["event"] for e in read_log(second.log_file)] == ["shown_at_debug"]
    assert [e["event"] for e in read_log(third.log_file)] == ["shown_at_warning"]


def test_configuring_twice_alike_installs_one_set_of_sinks(configure: Configure) -> None:
    """configure_logging is idempotent: the same settings twice give one file handler, one line."""
    configure()
    settings = configure()
    assert len(_installed()) == 1
    MODULE_LOGGER.warning("once")
    assert [e["event"] for e in read_log(settings.log_file)] == ["once"]


def test_our_events_still_reach_handlers_we_did_not_install(
    configure: Configure, caplog: pytest.LogCaptureFixture
) -> None:
    """pytest's caplog (any foreign root handler) gets our events as records, the file its line."""
    settings = configure()
    MODULE_LOGGER.warning("seen_by_both", n=1)
    (record,) = [r for r in caplog.records if r.name == "app.early_module"]
    assert record.levelno == logging.WARNING and record.msg["event"] == "seen_by_both"
    assert [event["event"] for event in read_log(settings.log_file)] == ["seen_by_both"]


def test_werkzeug_access_lines_are_dropped_but_not_its_other_lines(configure: Configure) -> None:
    """The dev server's access line duplicates request_finished; its startup line stays."""
    settings = configure()
    werkzeug = logging.getLogger("werkzeug")
    werkzeug.info('127.0.0.1 - - [24/Nov/2026 04:32:48] "%s" %s %s', "GET / HTTP/1.1", "200", "-")
    werkzeug.info("Running on http://127.0.0.1:5000")
    assert [event["event"] for event in read_log(settings.log_file)] == [
        "Running on http://127.0.0.1:5000"
    ]


def test_pretty_console_is_aligned_text_and_escaped(
    configure: Configure, capsys: pytest.CaptureFixture[str]
) -> None:
    """LOG_CONSOLE_FORMAT=pretty prints text; a newline in a value cannot start a fake line."""
    configure(console=True, console_format="pretty")
    structlog.get_logger("ours").warning("login_failed", username='eve\n2026 [error] "forged"')
    try:
        raise ValueError("bad\nvalue")
    except ValueError:
        structlog.get_logger("ours").exception("crashed")
    lines = capsys.readouterr().out.splitlines()
    assert "login_failed" in lines[0] and "eve␊2026 [error]" in lines[0]
    assert "forged" not in "".join(lines[1:])
    assert lines[-1] == "ValueError: bad␊value"
    assert any(line.startswith("Traceback (most recent call last):") for line in lines)


@pytest.mark.parametrize("console_format", ["auto", "json"])
def test_console_is_json_when_no_terminal_watches(
    configure: Configure, capsys: pytest.CaptureFixture[str], console_format: str
) -> None:
    """`auto` on a pipe (and `json` anywhere) prints the same JSON lines as the file."""
    settings = configure(console=True, console_format=console_format, debug=True)
    structlog.get_logger("ours").info("hello", n=1)
    (line,) = capsys.readouterr().out.splitlines()
    assert json.loads(line) == read_log(settings.log_file)[0]


def test_json_sinks_share_one_rendering(
    configure: Configure, capsys: pytest.CaptureFixture[str]
) -> None:
    """File, JSON console and email sink hold one formatter; both written lines are identical."""
    settings = configure(console=True, console_format="json", mail_server="127.0.0.1",
                         admins=("admin@example.com",))
    sinks = _installed()
    assert len(sinks) == 3
    assert len({id(sink.formatter) for sink in sinks}) == 1
    structlog.get_logger("ours").info("hello", n=1)
    logging.getLogger("a.library").warning("disk %s", "low")
    console_lines = capsys.readouterr().out.splitlines()
    file_lines = settings.log_file.read_text(encoding="utf-8").splitlines()
    assert console_lines == file_lines[-2:]
    assert [json.loads(line)["event"] for line in console_lines] == ["hello", "disk low"]


def test_console_can_use_stderr(
    configure: Configure, capsys: pytest.CaptureFixture[str]
) -> None:
    """With console_stream "stderr" (under the flask command) stdout stays free for output."""
    configure(console=True, console_stream="stderr")
    structlog.get_logger("ours").info("to_stderr")
    captured = capsys.readouterr()
    assert captured.out == ""
    assert json.loads(captured.err)["event"] == "to_stderr"


def test_alembic_plugin_announcements_are_quieted(configure: Configure) -> None:
    """alembic's per-plugin INFO lines are dropped; its warnings are kept."""
    plugins = logging.getLogger("alembic.runtime.plugins")
    plugins.setLevel(logging.NOTSET)
    try:
        settings = configure()
        plugins.info("setup plugin alembic.autogenerate.schemas")
        plugins.warning("plugin failed")
        assert [e["event"] for e in read_log(settings.log_file)] == ["plugin failed"]
    finally:
        plugins.setLevel(logging.NOTSET)


class _Collecting(logging.Handler):
    """Stands in for the email sink (built by another module): keeps what it formats."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def test_email_sink_gets_json_of_errors_only(
    configure: Configure, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The handler build_email_handler returns is attached, keeps its level, renders JSON."""
    sink = _Collecting()
    monkeypatch.setattr(logging_setup, "build_email_handler", lambda settings: sink)
    configure(secret_values=("mailpass99",))
    structlog.get_logger("ours").warning("not emailed")
    structlog.get_logger("ours").error("emailed", detail="mailpass99")
    assert [json.loads(line)["event"] for line in sink.lines] == ["emailed"]
    assert json.loads(sink.lines[0])["detail"] == "[REDACTED]"
    assert getattr(sink, INSTALLED_MARK)


def test_email_sink_formatter_of_its_own_is_kept(
    configure: Configure, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sink that brings its own formatter keeps it."""
    sink = _Collecting()
    own = logging.Formatter("%(levelname)s")
    sink.setFormatter(own)
    monkeypatch.setattr(logging_setup, "build_email_handler", lambda settings: sink)
    configure()
    assert sink.formatter is own


@pytest.mark.parametrize(("name", "level"), [("debug", 10), ("INFO", 20), (" Warning ", 30),
                                             ("WARN", 30), ("critical", 50)])
def test_level_names(name: str, level: int) -> None:
    """LOG_LEVEL accepts the usual names in any case."""
    assert parse_level(name) == level


def test_unknown_level_is_an_error() -> None:
    """A typo in LOG_LEVEL is reported with the valid choices."""
    with pytest.raises(ValueError, match="LOG_LEVEL must be one of DEBUG, INFO"):
        parse_level("VERBOSE")


def test_auto_console_on_a_terminal_is_pretty_and_keeps_the_running_on_line(
    configure: Configure, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a pty, `auto` gives ConsoleRenderer's text; werkzeug's startup URL reads plainly."""
    leader, follower = pty.openpty()
    try:
        with os.fdopen(follower, "w", encoding="utf-8", closefd=False) as terminal:
            monkeypatch.setattr("sys.stdout", terminal)
            settings = configure(console=True, console_format="auto")
            logging.getLogger("werkzeug").info(
                "WARNING: This is a development server.\n * Running on http://127.0.0.1:5000")
            structlog.get_logger("ours").info("hello", n=1)
            terminal.flush()
            events = read_log(settings.log_file)
        output = _read_all(leader).decode()
    finally:
        os.close(leader)
        os.close(follower)
    lines = _without_ansi(output).splitlines()
    assert any(line.startswith(" * Running on http://127.0.0.1:5000 ") for line in lines)
    assert "\x1b[" in output  # coloured, for a terminal
    assert "{" not in output
    assert "hello" in output and "n=1" in _without_ansi(output)
    assert [e["event"] for e in events][-1] == "hello"  # the file: JSON


def _read_all(fd: int) -> bytes:
    """Everything written to a pty so far: one read may return only its first chunk."""
    chunks = []
    while select.select([fd], [], [], 0.2)[0]:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def _without_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


@pytest.mark.parametrize(("name", "value"), [("auto", "auto"), (" Pretty ", "pretty"),
                                             ("JSON", "json")])
def test_console_format_names(name: str, value: str) -> None:
    """LOG_CONSOLE_FORMAT accepts auto, pretty and json in any case."""
    assert parse_console_format(name) == value


def test_unknown_console_format_is_an_error(configure: Configure) -> None:
    """A typo in LOG_CONSOLE_FORMAT is reported with the valid choices before anything changes."""
    with pytest.raises(ValueError, match="LOG_CONSOLE_FORMAT must be one of auto, pretty, json"):
        configure(console_format="colour")
