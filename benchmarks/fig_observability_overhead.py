"""Figure: logged-in /index req/s with full observability vs LOG_LEVEL=CRITICAL (2 workers)."""

from __future__ import annotations

from benchmarks.bench import Bench
from benchmarks.core import Result, Target, spread
from benchmarks.servers import (
    app_server,
    compare_rates,
    index_side_by_side,
    mail_env,
)
from benchmarks.smtp import mail_server

NAME = "observability overhead"
TARGET = Target(">=", 0.94)
HOW = ("logged-in /index req/s, full observability (`LOG_LEVEL=INFO`, file + console + error"
       " email) over the same app at `LOG_LEVEL=CRITICAL`, 2 gunicorn workers each, both loaded"
       " at once by wrk")
WORKERS = 2


def measure(bench: Bench, result: Result) -> None:
    """Both servers have file + console + email configured; only the level differs."""
    cookie = bench.site().cookie
    with mail_server() as mail:
        email = mail_env(mail.port)
        with app_server(bench, "overhead-full", WORKERS, LOG_LEVEL="INFO", **email) as full, \
                app_server(bench, "overhead-quiet", WORKERS, LOG_LEVEL="CRITICAL",
                           **email) as quiet:
            runs = index_side_by_side(bench, cookie, {"full": full, "quiet": quiet})
            logged = sum(path.read_bytes().count(b'"request_finished"')
                         for path in full.log_dir.glob("microblog.log*"))
    compared = compare_rates(runs, "full", "quiet")
    result.judge(compared.ratio)
    served = sum(r.run.requests for r in runs["full"])
    result.context += [
        f"full observability: {compared.rate_a:,.0f} req/s,"
        f" {compared.cpu_a:.2f} ms server CPU per request",
        f"LOG_LEVEL=CRITICAL: {compared.rate_b:,.0f} req/s,"
        f" {compared.cpu_b:.2f} ms server CPU per request",
        f"by CPU per request (steadier on a shared machine): {compared.cpu_ratio:.2f}",
        f"the full side wrote {logged:,} request_finished lines for {served:,}+ measured requests",
        f"the figure: median of per-round ratios (both servers loaded at once),"
        f" {spread(compared.low, compared.high, bench.scale.paired_rounds, 'paired')}"
        f" ({bench.scale.http_seconds} s each)",
    ]
    result.commands += [full.server.command, quiet.server.command, runs["full"][0].run.command]
    if logged < served:
        result.notes.append("fewer request_finished lines than requests: the full side"
                            " did not log every request")
