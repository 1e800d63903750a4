"""The login limit holds across every gunicorn worker of a host when the counts live in Redis."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis

from tests.e2e.gunicorn_server import StartGunicorn
from tests.e2e.http_session import HttpSession, Reply
from tests.e2e.redis_server import RedisServer

pytestmark = pytest.mark.slow

APPS_DIR = Path(__file__).parent / "apps"
WORKERS = 4
ACCOUNT_LIMIT = 5
PASSWORD = "correct horse battery"


def _attempt(base_url: str, username: str, password: str) -> Reply:
    """One login attempt on a fresh connection and session (any worker may take it)."""
    return HttpSession(base_url).submit_form(
        "/login", {"username": username, "password": password})


def test_redis_shares_the_account_limit_between_workers(
    gunicorn_server: StartGunicorn, redis_server: RedisServer
) -> None:
    """4 workers, one Redis: after the account's failures every worker answers 429, including
    those that saw none of them (each would still allow attempts counting on its own); when
    Redis goes away, logins keep working."""
    server = gunicorn_server(
        workers=WORKERS, app="pid_wsgi:app", pythonpath=[APPS_DIR],
        env={"RATELIMIT_STORAGE_URI": redis_server.url,
             "LOGIN_ACCOUNT_LIMIT": f"{ACCOUNT_LIMIT} per 15 minutes",
             "LOGIN_ADDRESS_LIMIT": "1000 per 15 minutes"},
    )
    for name in ("alice", "bob"):
        registered = HttpSession(server.base_url).submit_form(
            "/register", {"username": name, "email": f"{name}@example.com",
                          "password": PASSWORD, "password2": PASSWORD})
        assert registered.status == 200 and "Sign in" in registered.text

    failures = [_attempt(server.base_url, "alice", "wrong password")
                for _ in range(ACCOUNT_LIMIT)]
    assert [reply.status for reply in failures] == [200] * ACCOUNT_LIMIT  # back on /login
    assert all("Invalid username or password." in reply.text for reply in failures)
    failed_on = Counter(reply.headers["X-Worker-Pid"] for reply in failures)

    with ThreadPoolExecutor(WORKERS) as pool:
        blocked = list(pool.map(lambda _: _attempt(server.base_url, "alice", PASSWORD),
                                range(6 * WORKERS)))
    assert [reply.status for reply in blocked] == [429] * len(blocked)
    assert all("Too many requests" in reply.text for reply in blocked)
    answered_by = {reply.headers["X-Worker-Pid"] for reply in blocked}
    # The proof: some worker refused alice although it counted fewer failures than the limit.
    assert any(failed_on[pid] < ACCOUNT_LIMIT for pid in answered_by), (failed_on, answered_by)

    with redis.Redis.from_url(redis_server.url) as counts:
        assert counts.dbsize() > 0  # the counts are in Redis, not in the workers
    throttled = server.wait_for_records(lambda records: any(
        r["event"] == "login_throttled" for r in records))
    assert {r.get("username") for r in throttled if r["event"] == "login_throttled"} == {"alice"}

    redis_server.stop()  # a failing storage must not break logins
    assert _attempt(server.base_url, "bob", PASSWORD).url.endswith("/index")
