"""X-Request-ID through the test client: on every response, honoured or replaced, one everywhere."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from observability.web.flask_integration import current_request_id
from tests.apps import built_app
from tests.observability.log_reading import events_named

FRESH_ID = re.compile(r"[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}")
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN = "00f067aa0ba902b7"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """The test configuration without TESTING's exception propagation: the real 500 path runs;
    at DEBUG, so the healthy probes' request_finished lines (debug) are written too."""
    return {**app_config, "PROPAGATE_EXCEPTIONS": False, "LOG_LEVEL": "DEBUG"}


@pytest.fixture
def crashing_app(app: Flask) -> Flask:
    """The app with a route that fails."""

    def crash() -> str:
        raise RuntimeError("the view failed")

    app.add_url_rule("/crash", "crash", crash)
    return app


@pytest.fixture
def log_file(app: Flask) -> Path:
    """The app's JSON log."""
    return Path(app.config["LOG_DIR"]) / "microblog.log"


def _log_of(app: Flask) -> Path:
    """The app's JSON log."""
    return Path(app.config["LOG_DIR"]) / "microblog.log"


def _finished(log_file: Path, request_id: str) -> dict[str, object]:
    """The one request_finished event of a request."""
    (event,) = [e for e in events_named(log_file, "request_finished")
                if e["request_id"] == request_id]
    return event


@pytest.mark.parametrize(
    ("path", "status"),
    [("/login", 200), ("/", 302), ("/no/such/page", 404), ("/healthz", 200), ("/crash", 500)],
)
def test_every_response_kind_carries_the_id(
    crashing_app: Flask, log_file: Path, path: str, status: int
) -> None:
    """Pages, redirects, static files, 404s, JSON and 500s all carry X-Request-ID, as logged."""
    with crashing_app.test_client().get(path) as response:  # closes the static file too
        assert response.status_code == status
        request_id = response.headers["X-Request-ID"]
    assert FRESH_ID.fullmatch(request_id)
    assert _finished(log_file, request_id)["status"] == status


def test_static_files_carry_the_id_and_log_at_debug(
    app_config: dict[str, Any]
) -> None:
    """A static file's response has its ID; its request_finished is a debug line."""
    with built_app({**app_config, "LOG_LEVEL": "DEBUG"}) as app:
        with app.test_client().get("/static/css/microblog.css") as response:
            assert response.status_code == 200
            request_id = response.headers["X-Request-ID"]
        event = _finished(_log_of(app), request_id)
    assert FRESH_ID.fullmatch(request_id)
    assert event["level"] == "debug" and event["status"] == 200


def test_static_files_are_not_logged_at_info(app_config: dict[str, Any]) -> None:
    """At the default LOG_LEVEL a page's CSS and JS add no request_finished lines."""
    # This module's apps log at DEBUG (see app_config): back to the shipped INFO here.
    with built_app({**app_config, "LOG_LEVEL": "INFO"}) as app:
        with app.test_client().get("/static/css/microblog.css") as response:
            request_id = response.headers["X-Request-ID"]
        log_file = _log_of(app)
    assert FRESH_ID.fullmatch(request_id)
    assert not [e for e in events_named(log_file, "request_finished")
                if e["request_id"] == request_id]


def test_log_static_requests_logs_them_at_info(
    app_config: dict[str, Any]
) -> None:
    """LOG_STATIC_REQUESTS=true brings back static files' request_finished at info."""
    with built_app({**app_config, "LOG_STATIC_REQUESTS": True}) as app:
        with app.test_client().get("/static/css/microblog.css") as response:
            request_id = response.headers["X-Request-ID"]
        event = _finished(_log_of(app), request_id)
    assert event["level"] == "info" and event["path"] == "/static/css/microblog.css"


def test_method_not_allowed_carries_the_id(client: FlaskClient) -> None:
    """A 405 from routing carries the header too."""
    response = client.delete("/healthz")
    assert response.status_code == 405
    assert FRESH_ID.fullmatch(response.headers["X-Request-ID"])


@pytest.mark.parametrize("incoming", ["a", "req-42_x.Y", "Z" * 128, "0b1zx-4k1p0-rt9wm"])
def test_acceptable_incoming_ids_are_honoured(
    client: FlaskClient, log_file: Path, incoming: str
) -> None:
    """1-128 characters of [A-Za-z0-9._-] are kept as they came, in the header and the log."""
    response = client.get("/healthz", headers={"X-Request-ID": incoming})
    assert response.headers["X-Request-ID"] == incoming
    assert _finished(log_file, incoming)["path"] == "/healthz"


# Each rejected value carries the marker EVIL, so "never echoed" is a plain substring check.
REJECTED = {
    "too long": "EVIL" + "x" * 125,
    "spaces": "EVIL id",
    "newline": 'EVIL\n{"event":"forged"}',
    "json fragment": 'EVIL","level":"critical',
    "html": "<script>EVIL</script>",
    "unicode": "EVIL-идентификатор",
    "empty": "",
}


@pytest.mark.parametrize("incoming", REJECTED.values(), ids=REJECTED.keys())
def test_rejected_ids_are_replaced_and_never_echoed(
    crashing_app: Flask, log_file: Path, incoming: str
) -> None:
    """A bad ID gets a fresh one; the bad value is in no page, header or log line."""
    # Raw WSGI environ: the test client would refuse a newline or non-latin-1 header value.
    wsgi_value = incoming.encode("utf-8").decode("latin-1")
    client = crashing_app.test_client()
    for path in ("/crash", "/no/such/page", "/login"):
        response = client.get(path, environ_overrides={"HTTP_X_REQUEST_ID": wsgi_value})
        request_id = response.headers["X-Request-ID"]
        assert FRESH_ID.fullmatch(request_id)
        assert "EVIL" not in response.get_data(as_text=True)
        assert "EVIL" not in str(response.headers)
        assert request_id in response.get_data(as_text=True) or path == "/login"
    log_text = log_file.read_text(encoding="utf-8")
    assert "EVIL" not in log_text
    assert "forged" not in log_text
    assert len(events_named(log_file, "request_finished")) == 3


def test_fresh_ids_are_unique(client: FlaskClient) -> None:
    """Requests without an ID each get their own."""
    ids = {client.get("/healthz").headers["X-Request-ID"] for _ in range(20)}
    assert len(ids) == 20


def _page_id(response: TestResponse) -> str:
    """The request ID shown on an error page."""
    match = re.search(r'<code id="request-id"[^>]*>([^<]+)</code>', response.get_data(as_text=True))
    assert match is not None, "the error page shows no request ID"
    return match.group(1).strip()


def test_a_crash_shows_one_id_on_page_header_and_log(crashing_app: Flask, log_file: Path) -> None:
    """The 500 page, X-Request-ID and the unhandled_exception line name the same request."""
    response = crashing_app.test_client().get("/crash")
    request_id = response.headers["X-Request-ID"]
    assert _page_id(response) == request_id
    (crash,) = events_named(log_file, "unhandled_exception")
    assert crash["request_id"] == request_id


def test_a_crash_gives_json_clients_the_id(crashing_app: Flask, log_file: Path) -> None:
    """A client asking for JSON gets the same ID in the body as in the header and the log."""
    response = crashing_app.test_client().get(
        "/crash", headers={"Accept": "application/json", "X-Request-ID": "client-7"}
    )
    assert response.status_code == 500
    assert response.get_json()["request_id"] == "client-7"
    assert response.headers["X-Request-ID"] == "client-7"
    assert events_named(log_file, "unhandled_exception")[0]["request_id"] == "client-7"


def test_a_404_page_quotes_the_id(client: FlaskClient) -> None:
    """Error pages other than 500 show the same ID as the header."""
    response = client.get("/no/such/page")
    assert _page_id(response) == response.headers["X-Request-ID"]


def test_valid_traceparent_adds_trace_and_span(client: FlaskClient, log_file: Path) -> None:
    """A valid W3C traceparent puts trace_id and span_id on the request's events."""
    response = client.get("/healthz", headers={"traceparent": f"00-{TRACE}-{SPAN}-01"})
    event = _finished(log_file, response.headers["X-Request-ID"])
    assert (event["trace_id"], event["span_id"]) == (TRACE, SPAN)


@pytest.mark.parametrize("header", [f"00-{'0' * 32}-{SPAN}-01", "EVIL", f"00-{TRACE}-{SPAN}"])
def test_invalid_traceparent_adds_nothing(client: FlaskClient, log_file: Path, header: str) -> None:
    """An invalid traceparent is ignored: no trace fields, and not copied anywhere."""
    response = client.get("/healthz", headers={"traceparent": header})
    event = _finished(log_file, response.headers["X-Request-ID"])
    assert "trace_id" not in event and "span_id" not in event
    assert "EVIL" not in log_file.read_text()


def test_trace_context_does_not_leak_into_the_next_request(
    client: FlaskClient, log_file: Path
) -> None:
    """Context is cleared between requests: a later request without traceparent has none."""
    client.get("/healthz", headers={"traceparent": f"00-{TRACE}-{SPAN}-01"})
    second = client.get("/healthz", headers={"X-Request-ID": "second"})
    assert second.status_code == 200
    assert "trace_id" not in _finished(log_file, "second")


def test_current_request_id_outside_a_request_is_empty(app: Flask) -> None:
    """Outside a request (CLI, shell) there is no request ID."""
    with app.app_context():
        assert current_request_id() == ""


def test_current_request_id_matches_the_header(app: Flask) -> None:
    """Inside a request, current_request_id() is the ID the response will carry."""
    with app.test_request_context("/", headers={"X-Request-ID": "abc.1"}):
        app.preprocess_request()
        assert current_request_id() == "abc.1"


def test_csrf_failures_carry_the_id(csrf_client: FlaskClient) -> None:
    """A CSRF rejection (raised by a hook after ours) still gets the header and the page's ID."""
    response = csrf_client.post("/login", data={"username": "a", "password": "b"})
    assert response.status_code == 400
    assert FRESH_ID.fullmatch(response.headers["X-Request-ID"])
    assert _page_id(response) == response.headers["X-Request-ID"]
