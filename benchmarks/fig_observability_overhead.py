"""Figure: logged-in /index req/s with full observability vs LOG_LEVEL=CRITICAL (2 workers)."""

from __future__ import annotations

from benchmarks.bench import Bench
from benchmarks.core import Result, Target, median
from benchmarks.servers import alternate, app_server, assert_logged_in_feed, mail_env
from benchmarks.smtp import mail_server

NAME = "observability overhead"
TARGET = Target(">=", 0.95)
WORKERS = 2


def measure(bench: Bench, result: Result) -> None:
    """Both servers have file + console + email configured; only the level differs."""
    cookie = bench.site().cookie
    with mail_server() as mail:
        email = mail_env(mail.port)
        with app_server(bench, "overhead-full", WORKERS, LOG_LEVEL="INFO", **email) as full, \
                app_server(bench, "overhead-quiet", WORKERS, LOG_LEVEL="CRITICAL",
                           **email) as quiet:
            for side in (full, quiet):
                assert_logged_in_feed(side.server.url, cookie)
            headers = {"Cookie": cookie}
            runs = alternate(bench, {"full": (full.server.url + "/index", headers),
                                     "quiet": (quiet.server.url + "/index", headers)})
            logged = sum(path.read_bytes().count(b'"request_finished"')
                         for path in full.log_dir.glob("microblog.log*"))
        full_rate = median([run.rate for run in runs["full"]])
        quiet_rate = median([run.rate for run in runs["quiet"]])
    result.judge(full_rate / quiet_rate)
    served = sum(run.requests for run in runs["full"])
    result.context += [
        f"full observability: {full_rate:,.0f} req/s"
        f" (p50 {median([run.p50_ms for run in runs['full']]):.1f} ms)",
        f"LOG_LEVEL=CRITICAL: {quiet_rate:,.0f} req/s",
        f"the full side wrote {logged:,} request_finished lines for {served:,}+ measured requests",
        f"median of {bench.scale.rounds} alternated {bench.scale.http_seconds} s rounds",
    ]
    result.commands += [full.server.command, quiet.server.command, runs["full"][0].command]
    if logged < served:
        result.notes.append("fewer request_finished lines than requests: the full side"
                            " did not log every request")
