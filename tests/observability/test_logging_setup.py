"""configure_logging: one pipeline for ours and third-party records; sinks, levels, idempotence."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog

from observability import logging_setup
from observability.logging_setup import INSTALLED_MARK, configure_logging, parse_level
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
    }


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
    """A module-level logger (and one bound earlier) follows each configuration, not its first."""
    first = configure(secret_values=("first-secret",))
    MODULE_LOGGER.info("early", note="first-secret")
    bound = MODULE_LOGGER.bind(component="cache")
    second = configure(log_dir=tmp_path / "second", log_level="WARNING",
                       secret_values=("second-secret",))
    MODULE_LOGGER.info("dropped_below_the_new_level")
    MODULE_LOGGER.warning("late", note="first-secret second-secret")
    bound.warning("bound_late", note="second-secret")
    assert [(e["event"], e["note"]) for e in read_log(first.log_file)] == [
        ("early", "[REDACTED]")]
    assert [(e["event"], e["note"]) for e in read_log(second.log_file)] == [
        ("late", "first-secret [REDACTED]"), ("bound_late", "[REDACTED]")]


def test_bound_logger_is_reused_until_the_next_configuration(
    configure: Configure, tmp_path: Path
) -> None:
    """bound_logger gives one logger per configuration; a new level and new secrets apply."""
    first = configure(secret_values=("first-secret",))
    logger = logging_setup.bound_logger("app.hot_path")
    assert logging_setup.bound_logger("app.hot_path") is logger
    logger.info("early", note="first-secret")
    second = configure(log_dir=tmp_path / "second", log_level="WARNING",
                       secret_values=("second-secret",))
    relogged = logging_setup.bound_logger("app.hot_path")
    assert relogged is not logger
    relogged.info("dropped_below_the_new_level")
    relogged.warning("late", note="second-secret")
    assert [(e["event"], e["note"], e["logger"]) for e in read_log(first.log_file)] == [
        ("early", "[REDACTED]", "app.hot_path")]
    assert [(e["event"], e["note"]) for e in read_log(second.log_file)] == [
        ("late", "[REDACTED]")]


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


def test_console_is_pretty_and_escaped_in_debug(
    configure: Configure, capsys: pytest.CaptureFixture[str]
) -> None:
    """Debug mode prints aligned text; a newline in a value cannot start a fake line."""
    configure(console=True, debug=True)
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


def test_console_is_json_outside_debug(
    configure: Configure, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without debug the console prints the same JSON lines as the file."""
    settings = configure(console=True)
    structlog.get_logger("ours").info("hello", n=1)
    (line,) = capsys.readouterr().out.splitlines()
    assert json.loads(line) == read_log(settings.log_file)[0]


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


def test_console_lines_go_to_a_utf8_stream_as_bytes_in_order() -> None:
    """A rendered line lands whole, after text written to the same stream before it."""
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="utf-8")
    handler = logging.StreamHandler(stream)
    stream.write("printed first\n")  # still in the text layer's buffer
    logging_setup.write_to_stream(handler, '{"event":"caf\u00e9"}\n'.encode())
    assert raw.getvalue() == 'printed first\n{"event":"caf\u00e9"}\n'.encode()


def test_console_lines_to_another_encoding_are_text() -> None:
    """A stream in another encoding gets the line as text, encoded (or escaped) by the stream."""
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="latin-1", errors="backslashreplace")
    handler = logging.StreamHandler(stream)
    logging_setup.write_to_stream(handler, '{"event":"caf\u00e9 \u2603"}\n'.encode())
    assert raw.getvalue() == b'{"event":"caf\xe9 \\u2603"}\n'
