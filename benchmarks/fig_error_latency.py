"""Figure: median latency of a 500 with an SMTP server taking 4 s per message vs no mail server."""

from __future__ import annotations

from benchmarks.bench import Bench
from benchmarks.core import Result, Target, median, paired_ratio, spread
from benchmarks.servers import Load, Round, alternate, app_server, mail_env
from benchmarks.site import break_posts_table
from benchmarks.smtp import mail_server

NAME = "error latency with a slow mail server"
TARGET = Target("<=", 1.2)
HOW = ("p50 latency of a 500 (the posts table renamed: a database outage) with an SMTP server"
       " taking 4 s per message over the same with no mail server, every error emailed")
WORKERS = 2
SMTP_DELAY = 4.0
# No throttling, so every error queues an email: the slow server is as busy as it can be.
THROTTLE_SECONDS = 0


def _all_errors(label: str, rounds: list[Round]) -> None:
    for run in (r.run for r in rounds):
        if run.non_2xx_3xx != run.requests or run.socket_errors:
            raise RuntimeError(f"{label}: {run.requests} requests but {run.non_2xx_3xx} errors"
                               f" and {run.socket_errors} socket errors; the outage is not a 500")


def measure(bench: Bench, result: Result) -> None:
    """Both servers suffer the same database outage (the posts table renamed away)."""
    cookie = {"Cookie": bench.site().cookie}
    with mail_server(delay=SMTP_DELAY) as slow_mail, \
            app_server(bench, "errors-slow-mail", WORKERS, break_posts_table, LOG_LEVEL="INFO",
                       **mail_env(slow_mail.port, THROTTLE_SECONDS)) as slow, \
            app_server(bench, "errors-no-mail", WORKERS, break_posts_table, LOG_LEVEL="INFO",
                       **mail_env(None)) as quiet:
        runs = alternate(bench, {
            "slow": Load(slow.server.url + "/index", cookie, slow.server.pid),
            "none": Load(quiet.server.url + "/index", cookie, quiet.server.pid)},
            expect_success=False, connections=WORKERS)
        delivered = slow_mail.handler.count
    for label, side in runs.items():
        _all_errors(label, side)
    slow_p50 = median([r.run.p50_ms for r in runs["slow"]])
    none_p50 = median([r.run.p50_ms for r in runs["none"]])
    ratio, low, high = paired_ratio([r.run.p50_ms for r in runs["slow"]],
                                    [r.run.p50_ms for r in runs["none"]])
    result.judge(ratio)
    errors = sum(r.run.requests for r in runs["slow"])
    result.context += [
        f"500 with an SMTP server taking {SMTP_DELAY:g} s per message: p50 {slow_p50:.1f} ms"
        f" (p99 {median([r.run.p99_ms for r in runs['slow']]):.1f} ms)",
        f"500 with no mail server: p50 {none_p50:.1f} ms",
        f"{errors:,} errors on the slow side, ERROR_EMAIL_THROTTLE_SECONDS={THROTTLE_SECONDS};"
        f" {delivered} emails delivered meanwhile",
        "the fault: a logged-in GET /index with the posts table renamed (a database outage)",
        f"the figure: median of per-round p50 ratios, {spread(low, high, bench.scale.rounds)}"
        f" ({bench.scale.http_seconds} s each, {WORKERS} connections)",
    ]
    result.commands += [slow.server.command, quiet.server.command, runs["slow"][0].run.command]
