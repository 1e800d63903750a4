"""Figure: logged-in /index req/s with full observability vs LOG_LEVEL=CRITICAL (2 workers)."""

from __future__ import annotations

from benchmarks.bench import Bench
from benchmarks.core import Result, Target
from benchmarks.servers import (
    app_server,
    compare_fresh_pairs,
    fresh_pairs_index,
    how_pairs_were_judged,
    mail_env,
)
from benchmarks.smtp import mail_server

NAME = "observability overhead"
TARGET = Target(">=", 0.94)
HOW = ("logged-in /index req/s, full observability (`LOG_LEVEL=INFO`, file + console + error"
       " email) over the same app at `LOG_LEVEL=CRITICAL`, 2 gunicorn workers each, both loaded"
       " at once by wrk, workers pinned one per core, 8 fresh pairs of servers")
WORKERS = 2


def measure(bench: Bench, result: Result) -> None:
    """Both servers have file + console + email configured; only the level differs."""
    cookie = bench.site().cookie
    with mail_server() as mail:
        email = mail_env(mail.port)
        runs = fresh_pairs_index(bench, cookie, {
            "full": lambda: app_server(bench, "overhead-full", WORKERS, LOG_LEVEL="INFO",
                                       **email),
            "quiet": lambda: app_server(bench, "overhead-quiet", WORKERS, LOG_LEVEL="CRITICAL",
                                        **email),
        })
    logged = sum(path.read_bytes().count(b'"request_finished"')
                 for full in runs.servers["full"] for path in full.log_dir.glob("microblog.log*"))
    compared, per_pair = compare_fresh_pairs(runs, "full", "quiet")
    result.judge(compared.ratio)
    served = sum(r.run.requests for r in runs.rounds("full"))
    result.context += [
        f"full observability: {compared.rate_a:,.0f} req/s,"
        f" {compared.cpu_a:.2f} ms server CPU per request",
        f"LOG_LEVEL=CRITICAL: {compared.rate_b:,.0f} req/s,"
        f" {compared.cpu_b:.2f} ms server CPU per request",
        f"by CPU per request (steadier on a shared machine): {compared.cpu_ratio:.2f}",
        f"the full side wrote {logged:,} request_finished lines for {served:,}+ measured requests",
        how_pairs_were_judged(bench, compared, per_pair,
                              "the full-observability server", "the quiet one"),
    ]
    result.commands += runs.commands("full", "quiet")
    if logged < served:
        result.notes.append("fewer request_finished lines than requests: the full side"
                            " did not log every request")
