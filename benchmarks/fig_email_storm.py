"""Figure: emails sent for 1,000 identical errors in 10 s over 4 gunicorn workers."""

from __future__ import annotations

from benchmarks.bench import Bench
from benchmarks.client import send_requests
from benchmarks.core import Result, Target
from benchmarks.servers import app_server, mail_env
from benchmarks.site import break_posts_table
from benchmarks.smtp import mail_server

NAME = "email storm"
TARGET = Target("==", 1)
HOW = ("emails aiosmtpd receives for 1,000 identical 500s in 10 s over 4 workers, default"
       " throttle")
WORKERS = 4
CLIENT_THREADS = 4


def measure(bench: Bench, result: Result) -> None:
    """Same fault every time, default throttle window; count what reaches the SMTP server."""
    scale = bench.scale
    cookie = {"Cookie": bench.site().cookie}
    with mail_server() as mail:
        with app_server(bench, "storm", WORKERS, break_posts_table, LOG_LEVEL="INFO",
                        **mail_env(mail.port)) as app:
            sent = send_requests(app.server.url, "/index", scale.storm_errors, CLIENT_THREADS,
                                 scale.storm_seconds, lambda _n: cookie)
            mail.wait_until_quiet(quiet_seconds=3.0, timeout=30.0)
        # After a graceful stop: a worker flushing its queue on exit counts too.
        emails = mail.wait_until_quiet(quiet_seconds=1.0, timeout=10.0)
    if sent.statuses.get(500, 0) != scale.storm_errors:
        raise RuntimeError(f"expected {scale.storm_errors} 500s, got {dict(sent.statuses)}"
                           f" and {sent.failures} failed requests")
    result.judge(emails, f"{emails}")
    result.context += [
        f"{scale.storm_errors:,} identical 500s in {sent.seconds:.1f} s from {CLIENT_THREADS}"
        f" client threads over {WORKERS} workers; {emails} emails received by aiosmtpd",
        "default ERROR_EMAIL_THROTTLE_SECONDS (300)",
        *[f"subject: {subject}" for subject in mail.handler.subjects[:3]],
    ]
    result.commands += [app.server.command,
                        f"{scale.storm_errors} paced GET /index (Python http.client,"
                        f" {CLIENT_THREADS} threads, {scale.storm_seconds:g} s)"]
