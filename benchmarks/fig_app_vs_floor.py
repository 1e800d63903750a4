"""Figure: logged-in /index req/s vs a bare Flask 'hello' app under the same gunicorn."""

from __future__ import annotations

from benchmarks.bench import Bench
from benchmarks.core import Result, Target, median, paired_ratio, spread
from benchmarks.servers import (
    Load,
    alternate,
    app_server,
    assert_logged_in_feed,
    hello_server,
    mail_env,
)
from benchmarks.smtp import mail_server

NAME = "app speed vs the floor"
TARGET = Target(">=", 0.30)
WORKERS = 2


def measure(bench: Bench, result: Result) -> None:
    """Our app as deployed (full observability) against the cheapest Flask response."""
    cookie = bench.site().cookie
    with mail_server() as mail, \
            app_server(bench, "floor-app", WORKERS, LOG_LEVEL="INFO",
                       **mail_env(mail.port)) as app, \
            hello_server(bench, WORKERS) as hello:
        assert_logged_in_feed(app.server.url, cookie)
        runs = alternate(bench, {
            "index": Load(app.server.url + "/index", {"Cookie": cookie}, app.server.pid),
            "hello": Load(hello.url + "/", {}, hello.pid)})
    index_rate = median([r.run.rate for r in runs["index"]])
    hello_rate = median([r.run.rate for r in runs["hello"]])
    ratio, low, high = paired_ratio([r.run.rate for r in runs["index"]],
                                    [r.run.rate for r in runs["hello"]])
    result.judge(ratio)
    index_cpu = median([r.cpu_ms_per_request for r in runs["index"]])
    hello_cpu = median([r.cpu_ms_per_request for r in runs["hello"]])
    result.context += [
        f"logged-in /index (20 posts): {index_rate:,.0f} req/s,"
        f" {index_cpu:.2f} ms server CPU per request",
        f"bare Flask hello: {hello_rate:,.0f} req/s, {hello_cpu:.2f} ms server CPU per request",
        f"by CPU per request (steadier on a shared machine): {hello_cpu / index_cpu:.2f}",
        f"the figure: median of per-round ratios, {spread(low, high, bench.scale.rounds)}"
        f" ({bench.scale.http_seconds} s each)",
    ]
    result.commands += [app.server.command, hello.command, runs["index"][0].run.command,
                        runs["hello"][0].run.command]
