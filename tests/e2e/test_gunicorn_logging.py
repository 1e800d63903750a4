"""gunicorn.conf.py: gunicorn's own lines join the JSON pipeline, and no error is logged twice."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.gunicorn_server import GunicornServer, StartGunicorn

FAULTY_APP_DIR = Path(__file__).parent / "apps"


def _get(server: GunicornServer, path: str, request_id: str) -> tuple[int, str, str]:
    """(status, X-Request-ID, body) of a GET; error statuses are returned, not raised."""
    request = urllib.request.Request(server.url(path), headers={"X-Request-ID": request_id})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers["X-Request-ID"], response.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers["X-Request-ID"], error.read().decode()


def _errors(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in records if r["level"] in {"error", "critical"}]


@pytest.mark.slow
def test_gunicorn_lines_come_out_as_json_through_the_pipeline(
    gunicorn_server: StartGunicorn,
) -> None:
    """Booting and shutdown lines are JSON in the log file; nothing plain-text, no access log."""
    server = gunicorn_server(workers=2)
    assert _get(server, "/login", "json-check")[0] == 200
    assert server.stop() == 0

    records = server.log_records()
    booted = {r["event"] for r in records if r["logger"] == "gunicorn.error"}
    for pid in {r["pid"] for r in records if r["event"] == "app_startup"}:
        assert f"Booting worker with pid: {pid}" in booted  # each worker: booted, then started
    assert "Shutting down: Master" in booted  # the master's own lines reach the file too
    assert not [r for r in records if r["logger"] == "gunicorn.access"]
    assert [r["path"] for r in records if r.get("request_id") == "json-check"] == ["/login"]
    assert server.stderr_path.read_text() == ""  # gunicorn's plain-text handlers are gone
    console = server.stdout_path.read_text(encoding="utf-8").splitlines()
    assert console
    assert all(isinstance(json.loads(line), dict) for line in console)


@pytest.mark.slow
def test_a_crashing_view_is_logged_once(gunicorn_server: StartGunicorn) -> None:
    """An exception in a view: one `unhandled_exception`, and gunicorn adds no record of it."""
    server = gunicorn_server(workers=2, app="faulty_wsgi:app", pythonpath=[FAULTY_APP_DIR])
    status, header_id, _ = _get(server, "/_e2e/crash", "crash-once")
    assert (status, header_id) == (500, "crash-once")
    server.stop()

    errors = _errors(server.log_records())
    assert [(r["event"], r.get("request_id")) for r in errors] == [
        ("unhandled_exception", "crash-once")
    ]
    assert errors[0]["exception"][0]["exc_type"] == "RuntimeError"


@pytest.mark.slow
def test_a_worker_timeout_is_logged_once_and_answered_with_the_id(
    gunicorn_server: StartGunicorn,
) -> None:
    """A view past --timeout: worker replaced, exception logged once, the 500 carries the ID."""
    server = gunicorn_server(
        workers=2, app="faulty_wsgi:app", pythonpath=[FAULTY_APP_DIR],
        extra_args=["--timeout", "3"],
    )
    status, header_id, body = _get(server, "/_e2e/sleep?seconds=60", "too-slow")
    assert (status, header_id) == (500, "too-slow")
    assert "too-slow" in body
    # The master replaces the aborted worker; the new one starts its own app.
    server.wait_for_records(lambda records: sum(
        r["event"] == "app_startup" for r in records) >= 3)
    server.stop()

    errors = _errors(server.log_records())
    from_worker = [r for r in errors if r["logger"] != "gunicorn.error"]
    assert [(r["event"], r.get("request_id")) for r in from_worker] == [
        ("unhandled_exception", "too-slow")
    ]
    assert from_worker[0]["exception"][0]["exc_type"] == "SystemExit"
    # The master reports the timeout (a slow boot under load could add one more, and a worker
    # slow to exit under load is then killed: "was sent SIGKILL!"); gunicorn's own "Error
    # handling request" copy is gone.
    from_master = [r["event"] for r in errors if r["logger"] == "gunicorn.error"]
    assert any(event.startswith("WORKER TIMEOUT") for event in from_master)
    assert all(event.startswith("WORKER TIMEOUT") or "was sent SIGKILL" in event
               for event in from_master), from_master


@pytest.mark.slow
def test_preloaded_app_workers_share_the_log_file(gunicorn_server: StartGunicorn) -> None:
    """With --preload the workers inherit the master's handlers over fork and each still logs."""
    server = gunicorn_server(workers=2, extra_args=["--preload"])
    request_ids = [f"preload-{number}" for number in range(200)]
    for request_id in request_ids:
        assert _get(server, "/login", request_id)[0] == 200
    assert server.stop() == 0

    records = server.log_records()
    finished = [r["request_id"] for r in records if r["event"] == "request_finished"]
    assert sorted(rid for rid in finished if rid.startswith("preload-")) == sorted(request_ids)
    started = {r["pid"] for r in records if r["event"] == "app_startup"}
    booted = {
        int(r["event"].rsplit(" ", 1)[1])
        for r in records
        if r["event"].startswith("Booting worker with pid: ")
    }
    assert len(booted) == 2
    assert booted < started  # every worker announced itself, and so did the master
