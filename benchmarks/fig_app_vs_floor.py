"""Figure: logged-in /index req/s vs a bare Flask 'hello' app under the same gunicorn."""

from __future__ import annotations

from benchmarks.bench import Bench
from benchmarks.core import Result, Target, spread
from benchmarks.servers import (
    Load,
    alternate,
    app_server,
    assert_logged_in_feed,
    compare_rates,
    hello_server,
    mail_env,
)
from benchmarks.smtp import mail_server

NAME = "app speed vs bare Flask"
TARGET = Target(">=", 0.20)
HOW = ("logged-in /index (20 posts, full observability) req/s over a bare Flask 'hello' app"
       " under the same gunicorn (2 workers each), wrk")
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
    compared = compare_rates(runs, "index", "hello")
    result.judge(compared.ratio)
    result.context += [
        f"logged-in /index (20 posts): {compared.rate_a:,.0f} req/s,"
        f" {compared.cpu_a:.2f} ms server CPU per request",
        f"bare Flask hello: {compared.rate_b:,.0f} req/s,"
        f" {compared.cpu_b:.2f} ms server CPU per request",
        f"by CPU per request (steadier on a shared machine): {compared.cpu_ratio:.2f}",
        f"the figure: median of per-round ratios,"
        f" {spread(compared.low, compared.high, bench.scale.rounds)}"
        f" ({bench.scale.http_seconds} s each)",
    ]
    result.commands += [app.server.command, hello.command, runs["index"][0].run.command,
                        runs["hello"][0].run.command]
