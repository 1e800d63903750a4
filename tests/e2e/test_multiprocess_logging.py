"""Four gunicorn workers share one small rotating log: every request is logged exactly once."""

from __future__ import annotations

import http.client
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest

from tests.e2e.gunicorn_server import StartGunicorn

WORKERS = 4
REQUESTS = 3000
CLIENT_THREADS = 16
MAX_BYTES = 64 * 1024


def _get(base_url: str, path: str, request_id: str) -> int:
    """One GET on a fresh connection (sync workers close after each response); the status."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        connection.request("GET", path, headers={"X-Request-ID": request_id})
        response = connection.getresponse()
        response.read()
        assert response.getheader("X-Request-ID") == request_id
        return response.status
    finally:
        connection.close()


def _planned_requests() -> dict[str, tuple[str, int]]:
    """Request ID -> (path, expected status): mostly health checks, some 404s and pages."""
    plan = {}
    for number in range(REQUESTS):
        if number % 10 == 0:
            path, status = f"/no-such-page/{number}", 404
        elif number % 10 == 1:
            path, status = "/login", 200
        else:
            path, status = "/livez", 200
        plan[f"e2e-{number:05d}"] = (path, status)
    return plan


@pytest.mark.slow
def test_every_request_is_logged_once_across_rotations(gunicorn_server: StartGunicorn) -> None:
    """Thousands of concurrent requests, 4 writers, many rotations: each ID in one line."""
    server = gunicorn_server(
        workers=WORKERS,
        # DEBUG: healthy /livez probes log their request_finished at debug.
        env={"LOG_MAX_BYTES": str(MAX_BYTES), "LOG_BACKUP_COUNT": "1000", "LOG_LEVEL": "DEBUG"},
    )
    plan = _planned_requests()
    with ThreadPoolExecutor(CLIENT_THREADS) as pool:
        statuses = dict(
            zip(plan, pool.map(lambda rid: _get(server.base_url, plan[rid][0], rid), plan),
                strict=True)
        )
    assert statuses == {request_id: status for request_id, (_, status) in plan.items()}
    assert server.stop() == 0  # graceful: every worker finished and exited cleanly

    records = server.log_records()  # raises on any line that is not one JSON object
    finished = Counter(
        record["request_id"] for record in records if record["event"] == "request_finished"
    )
    assert {rid: finished[rid] for rid in plan} == dict.fromkeys(plan, 1)
    by_id = {r["request_id"]: r for r in records if r["event"] == "request_finished"}
    assert all(by_id[rid]["status"] == status for rid, (_, status) in plan.items())
    others = {by_id[rid]["path"] for rid in set(finished) - set(plan)}
    assert others <= {"/healthz"}  # only the fixture's readiness probes

    startups = {r["pid"] for r in records if r["event"] == "app_startup"}
    assert len(startups) == WORKERS  # four distinct writers really shared the file
    files = server.log_files()
    assert len(files) >= 5  # it rotated several times during the run
    assert all(path.stat().st_size < 2 * MAX_BYTES for path in files)
