"""In-process CPU of a signed-in `/index` (20 posts) against a bare Flask hello, and a profile.

A quick check of the app's request path, without gunicorn or a load generator: both apps run in
this process through their test clients, alternating, so a shared machine's noise hits both.
Run from the project root: `.venv/bin/python -m benchmarks.index_profile [--rounds N] [--profile]`.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import tempfile
import time
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.extensions import db
from app.models import Post, User
from tests.apps import create_schema

REQUESTS = 200


def signed_in_client(tmp: Path) -> FlaskClient:
    """A client signed in as a user with 20 posts, on a fresh SQLite file."""
    app = create_app({
        "SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite",
        "LOG_DIR": str(tmp / "logs"), "LOG_CONSOLE": False, "WTF_CSRF_ENABLED": False,
        "MAIL_SERVER": "", "INSTANCE_PATH": str(tmp / "inst"),
    })
    with app.app_context():
        create_schema()
        user = User(username="bench", email="bench@example.com")
        user.set_password("pw-long-enough")
        db.session.add(user)
        db.session.add_all(Post(body=f"post {i}", author=user) for i in range(20))
        db.session.commit()
    client = app.test_client()
    response = client.post("/login", data={"username": "bench", "password": "pw-long-enough"})
    if response.status_code != 302:
        raise SystemExit(f"login failed: {response.status_code}")
    return client


def hello_client() -> FlaskClient:
    """The floor: a bare Flask app answering one string."""
    hello = Flask("hello")
    hello.add_url_rule("/", "hello", lambda: "Hello, World!")
    return hello.test_client()


def cpu_ms_per_request(client: FlaskClient, path: str) -> float:
    """Process CPU milliseconds per GET of `path`, over `REQUESTS` requests."""
    start = time.process_time()
    for _ in range(REQUESTS):
        client.get(path)
    return (time.process_time() - start) * 1000 / REQUESTS


def main() -> None:
    """Warm up, time both apps alternately, print medians, optionally a profile of `/index`."""
    parser = argparse.ArgumentParser(description="/index against a bare Flask hello")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="print a profile by tottime")
    args = parser.parse_args()
    index, hello = signed_in_client(Path(tempfile.mkdtemp())), hello_client()
    for _ in range(20):
        index.get("/index")
        hello.get("/")
    index_ms, hello_ms = [], []
    for _ in range(args.rounds):
        index_ms.append(cpu_ms_per_request(index, "/index"))
        hello_ms.append(cpu_ms_per_request(hello, "/"))
    ratios = [h / i for h, i in zip(hello_ms, index_ms, strict=True)]
    print(f"/index {statistics.median(index_ms):.2f} ms,"
          f" hello {statistics.median(hello_ms):.2f} ms,"
          f" ratio median {statistics.median(ratios):.3f}")
    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(cpu_ms_per_request, index, "/index")
        pstats.Stats(profile).sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
