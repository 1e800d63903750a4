"""Error emails as text: a pure function from a processed error event to (subject, body)."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from observability.exception_text import format_exception_text
from observability.fingerprint import error_signature, fingerprint
from observability.pipeline.redaction import Redactor
from observability.story_text import PreviousRequests, format_breadcrumb, format_previous_requests

SUBJECT_PREFIX = "[Microblog]"
MAX_SUBJECT_LENGTH = 250
DEFAULT_LOG_DIR = "logs"

# C0/C1 controls, DEL and the Unicode line/paragraph separators: each could fold a header or
# forge a line in the body.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_BUT_NEWLINE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(value: object) -> str:
    """`value` as text on a single line: control characters become spaces, runs collapse."""
    return " ".join(_CONTROL.sub(" ", str(value)).split())


def render_subject(event: Mapping[str, Any], secrets: Iterable[str] = ()) -> str:
    """`[Microblog] <ExceptionType> on <METHOD> <path> (request <id>)`, safe as a header."""
    kind, _place = error_signature(event)
    parts = [SUBJECT_PREFIX, one_line(kind)]
    where = " ".join(one_line(event.get(key) or "") for key in ("method", "path")).strip()
    if where:
        parts.append(f"on {where}")
    if event.get("request_id"):
        parts.append(f"(request {one_line(event['request_id'])})")
    subject = scrub(" ".join(parts), secrets)
    if len(subject) > MAX_SUBJECT_LENGTH:
        subject = subject[: MAX_SUBJECT_LENGTH - 1] + "…"
    return subject


def jq_command(request_id: str, log_dir: str | Path = DEFAULT_LOG_DIR) -> str:
    """A shell command that prints every log line of one request, current and rotated files."""
    program = f"select(.request_id=={json.dumps(request_id)})"
    directory = str(log_dir).rstrip("/") or "/"
    files = f"{shlex.quote(directory)}/microblog.log*"
    return f"jq -c {shlex.quote(program)} {files}"


def timeline_command(request_id: str, log_dir: str | Path = DEFAULT_LOG_DIR) -> str:
    """`.venv/bin/microblog-logs show <id>`: works from the project folder, no venv activated."""
    command = f".venv/bin/microblog-logs show {shlex.quote(request_id)}"
    if str(log_dir) != DEFAULT_LOG_DIR:
        command += f" --log-dir {shlex.quote(str(log_dir))}"
    return command


def _traceback_text(event: Mapping[str, Any]) -> str:
    exception = event.get("exception")
    if isinstance(exception, list) and exception:
        return format_exception_text(exception)
    if isinstance(exception, str) and exception:
        return exception
    return "(no exception: this error was logged without a traceback)"


def _form_keys(event: Mapping[str, Any]) -> str:
    keys = event.get("form_keys")
    if isinstance(keys, list | tuple) and keys:
        return ", ".join(one_line(key) for key in keys) + "  (values not included)"
    return "(none recorded)"


def _user(event: Mapping[str, Any]) -> str:
    user_id = event.get("user_id")
    return "anonymous" if user_id in (None, "") else one_line(user_id)


def _database(event: Mapping[str, Any]) -> str:
    queries, ms = event.get("db_queries"), event.get("db_ms")
    if not isinstance(queries, int):
        return "(not recorded)"
    plural = "y" if queries == 1 else "ies"
    return f"{queries} quer{plural}, {one_line(ms)} ms before the error"


def _story_sections(event: Mapping[str, Any], previous: PreviousRequests | None,
                    with_previous: bool) -> list[str]:
    """The breadcrumbs and the user's previous requests, as text blocks ([] when neither)."""
    lines: list[str] = []
    crumbs = event.get("breadcrumbs")
    if isinstance(crumbs, list) and crumbs:
        lines += ["", "What the request did before it failed (offset, kind, duration, what):"]
        lines += [_CONTROL.sub(" ", format_breadcrumb(crumb)) for crumb in crumbs
                  if isinstance(crumb, Mapping)]
    if with_previous:
        lines += ["", _CONTROL_BUT_NEWLINE.sub(" ", format_previous_requests(previous)
                                               .rstrip("\n"))]
    return lines


def render_body(
    event: Mapping[str, Any],
    *,
    held_back: int,
    throttle_seconds: int = 300,
    external_url: str = "",
    log_dir: str | Path = DEFAULT_LOG_DIR,
    previous_requests: PreviousRequests | None = None,
    with_previous_requests: bool = False,
) -> str:
    """The plain-text body: who, what, where, the traceback, and how to see the whole story.

    `previous_requests` is the user's trail read from the logs by the caller (this stays a
    pure function); `with_previous_requests` says a lookup was made, so "none" can be told.
    """
    request_id = one_line(event.get("request_id") or "")
    kind, place = error_signature(event)
    fingerprint_text = one_line(event.get("fingerprint") or fingerprint(event))
    rows = [
        ("Request ID", request_id or "(none: not inside a request)"),
        ("Time", one_line(event.get("timestamp") or "unknown")),
        ("Request", one_line(f"{event.get('method') or '-'} {event.get('path') or '-'}")),
        ("User", _user(event)),
        ("Remote address", one_line(event.get("remote_addr") or "unknown")),
        ("User agent", one_line(event.get("user_agent") or "(not recorded)")),
        ("Form fields", _form_keys(event)),
        ("Database", _database(event)),
        ("Event", one_line(f"{event.get('event', '?')} ({event.get('level', 'error')}) "
                           f"from {event.get('logger', '?')}")),
        ("Fingerprint", f"{fingerprint_text}  ({one_line(kind)} at {one_line(place)})"),
        ("Held back", f"{held_back} repeat{'s' if held_back != 1 else ''} of this error since "
                      f"the last email (window: {throttle_seconds} s)"),
    ]
    width = max(len(label) for label, _value in rows) + 2
    lines = ["An error happened in Microblog.", ""]
    lines += [f"{label + ':':<{width}}{value}" for label, value in rows]
    if request_id:
        lines += ["", "The request's whole story, from the log files:",
                  "    " + jq_command(request_id, log_dir),
                  "or, from the project folder, as a timeline:",
                  "    " + timeline_command(request_id, log_dir)]
        if external_url:
            lines += ["", "In the admin console:",
                      f"    {external_url.rstrip('/')}/admin/requests/{quote(request_id)}"]
    lines += _story_sections(event, previous_requests,
                             with_previous_requests or previous_requests is not None)
    lines += ["", _CONTROL_BUT_NEWLINE.sub(" ", _traceback_text(event)), ""]
    return "\n".join(lines)


def scrub(text: str, secrets: Iterable[str]) -> str:
    """Replace every configured secret value in `text`, the last guard before SMTP."""
    return Redactor(secrets).scrub(text)  # the log's own rule: same floor, longest first


def render_error_email(
    event: Mapping[str, Any],
    *,
    held_back: int,
    throttle_seconds: int = 300,
    external_url: str = "",
    log_dir: str | Path = DEFAULT_LOG_DIR,
    secrets: Iterable[str] = (),
    previous_requests: PreviousRequests | None = None,
    with_previous_requests: bool = False,
) -> tuple[str, str]:
    """(subject, body) of the email an admin gets for one error event."""
    secrets = tuple(secrets)
    body = render_body(event, held_back=held_back, throttle_seconds=throttle_seconds,
                       external_url=external_url, log_dir=log_dir,
                       previous_requests=previous_requests,
                       with_previous_requests=with_previous_requests)
    return render_subject(event, secrets), scrub(body, secrets)
