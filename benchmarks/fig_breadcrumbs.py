"""Figure: logged-in /index req/s with the breadcrumb trail on (`BREADCRUMBS_MAX=50`) vs off (0).

Only the setting differs between the two servers, so the figure needs nothing of the trail's
implementation: before the trail exists the setting is ignored and both sides are the same app.
"""

from __future__ import annotations

from benchmarks.bench import Bench
from benchmarks.core import Result, Target
from benchmarks.servers import (
    app_server,
    compare_fresh_pairs,
    fresh_pairs_index,
    how_pairs_were_judged,
)

NAME = "breadcrumb trail cost"
TARGET = Target("report")
HOW = ("logged-in /index req/s with `BREADCRUMBS_MAX=50` over `BREADCRUMBS_MAX=0`, full"
       " observability on both, 2 gunicorn workers each, both loaded at once by wrk, workers"
       " pinned one per core, 8 fresh pairs of servers")
WORKERS = 2
ON, OFF = "50", "0"


def measure(bench: Bench, result: Result) -> None:
    """A request that succeeds keeps its trail in memory and writes none of it: this is its cost."""
    cookie = bench.site().cookie
    runs = fresh_pairs_index(bench, cookie, {
        "on": lambda: app_server(bench, "breadcrumbs-on", WORKERS, LOG_LEVEL="INFO",
                                 BREADCRUMBS_MAX=ON),
        "off": lambda: app_server(bench, "breadcrumbs-off", WORKERS, LOG_LEVEL="INFO",
                                  BREADCRUMBS_MAX=OFF),
    })
    compared, per_pair = compare_fresh_pairs(runs, "on", "off")
    result.judge(compared.ratio)
    result.context += [
        f"BREADCRUMBS_MAX={ON}: {compared.rate_a:,.0f} req/s,"
        f" {compared.cpu_a:.3f} ms server CPU per request",
        f"BREADCRUMBS_MAX={OFF}: {compared.rate_b:,.0f} req/s,"
        f" {compared.cpu_b:.3f} ms server CPU per request",
        f"the trail's cost by CPU per request: {(compared.cpu_a - compared.cpu_b) * 1000:+.0f} µs"
        f" ({compared.cpu_ratio:.2f} by CPU)",
        how_pairs_were_judged(bench, compared, per_pair,
                              "the trail-on server", "the trail-off one"),
    ]
    result.notes.append("an app without the breadcrumb trail (issue 14) ignores the setting:"
                        " both sides then run the same code and the figure is noise around 1")
    result.commands += runs.commands("on", "off")
