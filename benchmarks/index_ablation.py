"""Where a signed-in `/index` spends its CPU: the same app on routes that each add one part.

Every route below runs the app's whole request path (session cookie, Flask-Login's user loader
through the `last_seen` hook, the login limiter's check, CSRF, observability, the SQLAlchemy
session); they differ only in what the view does. With the bare Flask hello beside them, the
table shows how much of the gap to hello is the per-request path and how much the page.
Run from the project root: `.venv/bin/python -m benchmarks.index_ablation [--rounds N]`.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
from pathlib import Path

from flask import Flask, render_template
from flask.testing import FlaskClient
from flask_login import current_user, login_required

from app.main.feed import home_posts
from benchmarks.index_profile import cpu_ms_per_request, hello_client
from benchmarks.seeded_app import POSTS, signed_in_client

PROBES = {  # label: path
    "bare Flask hello": "/",
    "the app's request path, empty view": "/_probe/empty",
    "empty view + the feed query": "/_probe/feed",
    "empty view + the layout, no posts": "/_probe/layout",
    f"/index ({POSTS} posts, post form)": "/index",
}


def add_probe_routes(app: Flask) -> None:
    """Views that do one part of `/index` each, behind the same hooks as every page."""

    def empty() -> str:
        return "ok"

    def feed() -> str:
        return str(len(home_posts(current_user.id, 1, POSTS).items))

    def layout() -> str:
        return render_template("base.html", title="Probe")

    for name, view in {"empty": empty, "feed": feed, "layout": layout}.items():
        app.add_url_rule(f"/_probe/{name}", f"probe_{name}", login_required(view))


def main() -> None:
    """Alternate the probes round by round; print each one's median and hello ÷ it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--level", default="INFO", help="LOG_LEVEL of the app (default INFO)")
    parser.add_argument("--profile", action="store_true",
                        help="then print a profile of the empty view, by cumulative time")
    args = parser.parse_args()
    report, sys.stdout = sys.stdout, open(os.devnull, "w")  # noqa: SIM115 - the console sink's
    client = signed_in_client(Path(tempfile.mkdtemp()), add_probe_routes, LOG_LEVEL=args.level,
                              LOG_CONSOLE=True, LOG_CONSOLE_FORMAT="json")
    clients: dict[str, FlaskClient] = {label: client for label in PROBES}
    clients["bare Flask hello"] = hello_client()
    for label, path in PROBES.items():
        for _ in range(30):
            if clients[label].get(path).status_code != 200:
                raise RuntimeError(f"{path} did not answer 200")
    timings: dict[str, list[float]] = {label: [] for label in PROBES}
    for _ in range(args.rounds):
        for label, path in PROBES.items():
            timings[label].append(cpu_ms_per_request(clients[label], path))
    hello = statistics.median(timings["bare Flask hello"])
    print(f"| in-process, LOG_LEVEL={args.level} | CPU ms/request | hello ÷ it |", file=report)
    print("|---|---|---|", file=report)
    for label, values in timings.items():
        ms = statistics.median(values)
        print(f"| {label} | {ms:.2f} | {hello / ms:.2f} |", file=report)
    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(cpu_ms_per_request, client, PROBES["the app's request path, empty view"])
        pstats.Stats(profile, stream=report).sort_stats("cumulative").print_stats(45)


if __name__ == "__main__":
    main()
