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

from benchmarks.seeded_app import signed_in_client

REQUESTS = 200


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
    index = signed_in_client(Path(tempfile.mkdtemp()), LOG_CONSOLE=False)
    hello = hello_client()
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
