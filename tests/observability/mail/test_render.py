"""The error email's text, rendered from plain event dicts (no app, no SMTP)."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from structlog.tracebacks import ExceptionDictTransformer

from observability.fingerprint import fingerprint
from observability.mail.render import (
    jq_command,
    render_error_email,
    render_subject,
)

REQUEST_ID = "7K3MQ-9XA2B-TR5WN"


def structured(error: BaseException) -> list[dict[str, Any]]:
    """The `exception` field as the pipeline builds it (dict tracebacks, no locals)."""
    return ExceptionDictTransformer(show_locals=False, use_rich=False)(
        (type(error), error, error.__traceback__)
    )


def _lookup_user() -> None:
    raise KeyError("user 7")


def _load_profile() -> None:
    try:
        _lookup_user()
    except KeyError as error:
        raise RuntimeError("profile unavailable") from error


def raised(function: Any) -> BaseException:
    try:
        function()
    except Exception as error:
        return error
    raise AssertionError("did not raise")


def error_event(**changes: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "event": "unhandled_exception",
        "level": "error",
        "logger": "app",
        "timestamp": "2026-11-24T04:32:48.123Z",
        "request_id": REQUEST_ID,
        "method": "POST",
        "path": "/edit_profile",
        "user_id": 42,
        "remote_addr": "203.0.113.9",
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64)",
        "form_keys": ["username", "about_me", "password"],
        "exception": structured(raised(_load_profile)),
    }
    event["fingerprint"] = fingerprint(event)
    event.update(changes)
    return event


def test_subject_names_type_method_path_and_id() -> None:
    """The subject is `[Microblog] <Type> on <METHOD> <path> (request <id>)`."""
    subject, _body = render_error_email(error_event(), held_back=0)
    assert subject == f"[Microblog] RuntimeError on POST /edit_profile (request {REQUEST_ID})"


@pytest.mark.parametrize(
    "hostile", ["/a\r\nBcc: x@evil.org", "/a\nb", "/a\x00\x1b[31m", "/a\u2028b"]
)
def test_subject_has_no_control_characters(hostile: str) -> None:
    """CR, LF and other controls in the path never reach the Subject header."""
    subject = render_subject(error_event(path=hostile))
    assert subject.isprintable()
    assert "\r" not in subject and "\n" not in subject


def test_subject_of_a_non_exception_error_uses_the_event_name() -> None:
    """An error logged without a traceback is named by its event."""
    event = error_event(event="payment_gateway_down", exception=None)
    del event["exception"]
    assert render_subject(event).startswith("[Microblog] payment_gateway_down on POST ")


def test_subject_outside_a_request() -> None:
    """An error outside a request has no method, path or ID to show, and says nothing false."""
    event = {"event": "nightly_job_failed", "level": "error"}
    assert render_subject(event) == "[Microblog] nightly_job_failed"


def test_overlong_subject_is_shortened() -> None:
    """A huge path does not make a huge header."""
    assert len(render_subject(error_event(path="/" + "x" * 5000))) <= 250


def test_body_has_every_field_an_admin_needs() -> None:
    """Request ID, time, method, path, user, address, agent, form keys and fingerprint."""
    event = error_event()
    _subject, body = render_error_email(event, held_back=0)
    for expected in (REQUEST_ID, "2026-11-24T04:32:48.123Z", "POST /edit_profile", "User:",
                     "42", "203.0.113.9", "Mozilla/5.0 (X11; Linux x86_64)",
                     "username, about_me, password  (values not included)", event["fingerprint"]):
        assert expected in body


def test_body_traceback_reads_like_python() -> None:
    """Causes come first, joined by Python's own sentence, ending with the raised exception."""
    _subject, body = render_error_email(error_event(), held_back=0)
    cause = body.index("KeyError: 'user 7'")
    sentence = body.index("The above exception was the direct cause of the following exception:")
    raised_line = body.index("RuntimeError: profile unavailable")
    assert cause < sentence < raised_line
    assert "in _lookup_user" in body and "Traceback (most recent call last):" in body


def test_held_back_count_is_stated() -> None:
    """The email says how many repeats were held back since the last one."""
    _subject, body = render_error_email(error_event(), held_back=49, throttle_seconds=300)
    assert "49 repeats of this error since the last email (window: 300 s)" in body


def test_jq_command_for_the_default_log_dir() -> None:
    """The ready-to-paste command is exactly the documented one."""
    _subject, body = render_error_email(error_event(), held_back=0)
    assert f"jq -c 'select(.request_id==\"{REQUEST_ID}\")' logs/microblog.log*" in body


def test_body_offers_the_triage_command() -> None:
    """Besides jq, the body names `microblog-logs show <id>` by its path, with the log dir."""
    _subject, body = render_error_email(error_event(), held_back=0, log_dir="/srv/my logs")
    script = Path(sys.executable).with_name("microblog-logs")
    assert f"    {script} show {REQUEST_ID} --log-dir '/srv/my logs'" in body.splitlines()


def test_jq_command_quotes_a_configured_log_dir() -> None:
    """A LOG_DIR with spaces stays one shell word, and the glob still expands."""
    command = jq_command(REQUEST_ID, "/srv/my logs")
    assert shlex.split(command) == ["jq", "-c", f'select(.request_id=="{REQUEST_ID}")',
                                    "/srv/my logs/microblog.log*"]


def test_jq_command_runs_and_finds_the_request(tmp_path: Path) -> None:
    """Pasted into a shell, the command prints exactly that request's lines, rotated files too."""
    jq = subprocess.run(["sh", "-c", "command -v jq"], capture_output=True, text=True, check=False)
    if jq.returncode != 0:
        pytest.skip("jq is not installed (make system-deps installs it)")
    log_dir = tmp_path / "my logs"
    log_dir.mkdir()
    (log_dir / "microblog.log").write_text(
        f'{{"request_id": "{REQUEST_ID}", "event": "b"}}\n{{"request_id": "other", "event": "c"}}\n'
    )
    (log_dir / "microblog.log.1").write_text(f'{{"request_id": "{REQUEST_ID}", "event": "a"}}\n')
    output = subprocess.run(["sh", "-c", jq_command(REQUEST_ID, log_dir)],
                            capture_output=True, text=True, check=True).stdout
    assert sorted(output.splitlines()) == [
        f'{{"request_id":"{REQUEST_ID}","event":"a"}}',
        f'{{"request_id":"{REQUEST_ID}","event":"b"}}',
    ]


def test_admin_console_link_only_with_external_url() -> None:
    """EXTERNAL_URL adds a link to the request's page in the admin console."""
    _subject, without = render_error_email(error_event(), held_back=0)
    _subject, with_url = render_error_email(error_event(), held_back=0,
                                            external_url="https://blog.example.org/")
    assert "/admin/requests/" not in without
    assert f"https://blog.example.org/admin/requests/{REQUEST_ID}" in with_url


def test_configured_secrets_never_appear() -> None:
    """SECRET_KEY or MAIL_PASSWORD values that slipped into the event are scrubbed."""
    event = error_event(path="/reset/hunter2-secret-key",
                        exception=structured(ValueError("bad key hunter2-secret-key")))
    subject, body = render_error_email(event, held_back=0, secrets=("hunter2-secret-key",))
    assert "hunter2-secret-key" not in subject + body
    assert "[REDACTED]" in subject and "[REDACTED]" in body


def test_very_short_secrets_are_not_scrubbed() -> None:
    """A 2-character secret would erase letters everywhere; like the log, the email keeps them."""
    _subject, body = render_error_email(error_event(), held_back=0, secrets=("ed",))
    assert "Request ID:" in body and "POST /edit_profile" in body


def test_forged_lines_cannot_be_injected_into_the_body() -> None:
    """A newline in a single-line field cannot fake another field."""
    _subject, body = render_error_email(
        error_event(user_agent="curl\nRequest ID:     FAKE-ID"), held_back=0
    )
    assert not any(line.startswith("Request ID:") and "FAKE-ID" in line
                   for line in body.splitlines())


def test_string_exception_is_shown_as_is() -> None:
    """An `exception` already rendered as text (format_exc_info) is shown verbatim."""
    text = "Traceback (most recent call last):\n  File \"x.py\", line 1\nOSError: disk"
    _subject, body = render_error_email(error_event(exception=text), held_back=0)
    assert text in body


def test_rendering_is_deterministic() -> None:
    """Same event, same text: nothing depends on the clock or the process."""
    event = error_event()
    assert render_error_email(event, held_back=3) == render_error_email(event, held_back=3)


def test_email_modules_import_no_flask() -> None:
    """The email sink and its parts are importable without Flask, as observability requires."""
    code = ("import sys, observability.mail.handler, observability.mail.render; "
            "sys.exit('flask' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
