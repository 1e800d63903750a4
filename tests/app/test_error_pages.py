"""Error pages: every status in the layout, quoting the request ID, never showing internals."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, abort
from flask.testing import FlaskClient
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import TooManyRequests, Unauthorized
from werkzeug.test import TestResponse

from app.extensions import db
from app.models import User

# Words that would betray internals: tracebacks, SQL, table and driver names.
INTERNALS = ("Traceback", "File \"", "sqlite", "SQLAlchemy", "OperationalError", "SELECT",
             "no such table", "secret_table", "ZeroDivisionError", "werkzeug", "psycopg")
QUOTE_SENTENCE = "please quote this request ID"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """A small upload limit, so a real 413 is cheap to provoke."""
    return {**app_config, "MAX_CONTENT_LENGTH": 1024}


@pytest.fixture
def app(app: Flask) -> Flask:
    """The app plus test-only routes that fail in each way (registered before any request)."""

    def fail_with(status: int) -> str:
        if status == 401:
            raise Unauthorized(www_authenticate=WWWAuthenticate("basic", {"realm": "test"}))
        if status == 429:
            raise TooManyRequests(retry_after=30)
        abort(status)

    def crash() -> str:
        return str(1 / 0)

    def bad_sql() -> str:
        db.session.execute(sa.text("SELECT password FROM secret_table"))
        return "unreachable"

    app.add_url_rule("/test/fail/<int:status>", view_func=fail_with)
    app.add_url_rule("/test/crash", view_func=crash)
    app.add_url_rule("/test/bad-sql", view_func=bad_sql)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # let the real 500 handler run under TESTING
    return app


def _assert_error_page(response: TestResponse, status: int, title: str) -> str:
    """The response is the layout's error page for `status`, quoting the header's ID."""
    assert response.status_code == status
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    request_id = response.headers["X-Request-ID"]
    assert request_id
    assert f'<code id="request-id" class="fs-5 user-select-all">{request_id}</code>' in page
    assert 'id="copy-request-id"' in page
    assert "navigator.clipboard" in page
    assert QUOTE_SENTENCE in page
    assert title in page
    assert 'class="navbar' in page  # the layout
    assert '<meta name="viewport"' in page
    for word in INTERNALS:
        assert word not in page, word
    return page


STATUS_TITLES = [
    (400, "Bad request"),
    (401, "Sign-in required"),
    (403, "Forbidden"),
    (404, "Page not found"),
    (405, "Method not allowed"),
    (413, "Too large"),
    (429, "Too many requests"),
    (500, "Something went wrong"),
]


@pytest.mark.parametrize(("status", "title"), STATUS_TITLES)
def test_each_status_has_a_page(client: FlaskClient, status: int, title: str) -> None:
    """Every handled status renders its page in the layout with the request ID."""
    _assert_error_page(client.get(f"/test/fail/{status}"), status, title)


def test_real_404(client: FlaskClient) -> None:
    """An unknown URL gets the 404 page."""
    _assert_error_page(client.get("/no/such/page"), 404, "Page not found")


def test_real_405_keeps_the_allow_header(client: FlaskClient) -> None:
    """A wrong method gets the 405 page and still says which methods are allowed."""
    response = client.delete("/login")
    _assert_error_page(response, 405, "Method not allowed")
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_real_413(client: FlaskClient) -> None:
    """A form bigger than MAX_CONTENT_LENGTH gets the 413 page."""
    response = client.post("/login", data={"username": "x" * 5000, "password": "y"})
    _assert_error_page(response, 413, "Too large")


def test_429_and_401_keep_their_headers(client: FlaskClient) -> None:
    """Retry-After and WWW-Authenticate survive the custom page."""
    assert client.get("/test/fail/429").headers["Retry-After"] == "30"
    assert client.get("/test/fail/401").headers["WWW-Authenticate"] == "Basic realm=test"


def test_500_shows_nothing_internal(client: FlaskClient) -> None:
    """An unhandled exception is the generic 500 page, without the exception."""
    _assert_error_page(client.get("/test/crash"), 500, "Something went wrong")


def test_500_from_sql_shows_no_sql(client: FlaskClient) -> None:
    """A database error's page names no table, statement or driver."""
    _assert_error_page(client.get("/test/bad-sql"), 500, "Something went wrong")


def test_500_rolls_back_the_session(app: Flask, client: FlaskClient) -> None:
    """After a failed statement the next request on the same session works normally."""
    assert client.get("/test/bad-sql").status_code == 500
    assert client.get("/healthz").status_code == 200


def test_incoming_request_id_is_quoted(client: FlaskClient) -> None:
    """A valid X-Request-ID from a proxy is the one the page quotes."""
    response = client.get("/no/such/page", headers={"X-Request-ID": "edge-1234.abc_Z"})
    assert response.headers["X-Request-ID"] == "edge-1234.abc_Z"
    _assert_error_page(response, 404, "Page not found")


def test_hostile_request_id_is_never_echoed(client: FlaskClient) -> None:
    """An X-Request-ID with markup is replaced, and the markup is nowhere on the page."""
    response = client.get("/no/such/page", headers={"X-Request-ID": "<script>x</script>"})
    page = _assert_error_page(response, 404, "Page not found")
    assert "<script>x</script>" not in page
    assert response.headers["X-Request-ID"] != "<script>x</script>"


@pytest.mark.parametrize(("status", "title"), STATUS_TITLES)
def test_json_clients_get_json(client: FlaskClient, status: int, title: str) -> None:
    """With Accept: application/json, errors are {"error", "message", "request_id"}."""
    response = client.get(f"/test/fail/{status}", headers={"Accept": "application/json"})
    assert response.status_code == status
    assert response.is_json
    body = response.json
    assert body is not None
    assert body["error"] == title
    assert body["request_id"] == response.headers["X-Request-ID"]
    assert set(body) == {"error", "message", "request_id"}


def test_json_500_has_no_internals(client: FlaskClient) -> None:
    """The JSON form of a crash is as bare as the page."""
    response = client.get("/test/bad-sql", headers={"Accept": "application/json"})
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    for word in INTERNALS:
        assert word not in text, word


@pytest.mark.parametrize("accept", ["*/*", "text/html,application/xhtml+xml,*/*;q=0.8",
                                    "application/json;q=0.5,text/html"])
def test_browsers_and_indifferent_clients_get_html(client: FlaskClient, accept: str) -> None:
    """HTML is the answer unless the client ranks JSON strictly higher."""
    response = client.get("/no/such/page", headers={"Accept": accept})
    assert response.mimetype == "text/html"


def test_error_page_shows_the_signed_in_navbar(client: FlaskClient, alice: User) -> None:
    """For a signed-in user the 404 page's navbar has Profile and Logout."""
    page = _assert_error_page(client.get("/no/such/page"), 404, "Page not found")
    assert 'href="/user/alice"' in page
    assert ">Logout<" in page


def test_500_page_renders_when_the_user_table_is_gone(app: Flask, client: FlaskClient,
                                                      alice: User) -> None:
    """With the database unable to load the signed-in user, the 500 page still renders."""
    with app.app_context():
        db.session.execute(sa.text('DROP TABLE followers'))
        db.session.execute(sa.text('DROP TABLE post'))
        db.session.execute(sa.text('DROP TABLE "user"'))
        db.session.commit()
    response = client.get("/index")
    page = _assert_error_page(response, 500, "Something went wrong")
    assert ">Login<" in page  # the navbar fell back to signed-out links
    json_response = client.get("/index", headers={"Accept": "application/json"})
    assert json_response.status_code == 500
    body = json_response.json
    assert body is not None
    assert body["error"] == "Something went wrong"
    assert body["request_id"] == json_response.headers["X-Request-ID"]


def test_500_page_when_posts_fail_but_the_user_loads(app: Flask, client: FlaskClient,
                                                     alice: User) -> None:
    """If only the feed's table is gone, the 500 page still knows who is signed in."""
    with app.app_context():
        db.session.execute(sa.text("ALTER TABLE post RENAME TO post_gone"))
        db.session.commit()
    page = _assert_error_page(client.get("/index"), 500, "Something went wrong")
    assert ">Logout<" in page
    assert "post_gone" not in page


def test_static_files_and_redirects_carry_the_request_id(client: FlaskClient) -> None:
    """Every response has an X-Request-ID, not only pages."""
    with client.get("/static/css/microblog.css") as static:
        assert static.headers["X-Request-ID"]
    assert client.get("/index").headers["X-Request-ID"]
