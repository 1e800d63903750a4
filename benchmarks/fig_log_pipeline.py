"""Figure: events/s of our pipeline vs stdlib logging + python-json-logger + RotatingFileHandler.

Ours is reached through its public API only (`configure_logging`, `structlog.get_logger`), so the
figure measures whatever the pipeline is, not one implementation of it.
"""

from __future__ import annotations

from typing import Any

from benchmarks.bench import PIPELINE_COMMAND, Bench
from benchmarks.core import Result, Target, median, paired_ratio, spread

NAME = "log pipeline vs stdlib + python-json-logger"
TARGET = Target(">=", 1.0)
HOW = ("events per CPU second, ours (structlog → stdlib logging → our rotating file sink) over"
       " stdlib logging + `pythonjsonlogger.json.JsonFormatter` + `RotatingFileHandler`")


def rates(runs: list[dict[str, Any]], clock: str = "cpu_seconds") -> list[float]:
    """Events per CPU second (or per wall second) of each round, once every event is one line."""
    for run in runs:
        if run["lines"] != run["events"] or run["bad_lines"]:
            raise RuntimeError(f"{run['kind']}: {run['events']} events gave {run['lines']} lines"
                               f" ({run['bad_lines']} not JSON objects)")
    return [run["events"] / run[clock] for run in runs]


def measure(bench: Bench, result: Result) -> None:
    """Median of per-round ratios of events per CPU second, each run in a fresh interpreter."""
    runs = bench.pipeline_runs()
    ours, stdlib = median(rates(runs["ours"])), median(rates(runs["stdlib"]))
    ratio, low, high = paired_ratio(rates(runs["ours"]), rates(runs["stdlib"]))
    result.judge(ratio)
    events = bench.scale.pipeline_events
    wall_ratio = median(rates(runs["ours"], "seconds")) / median(rates(runs["stdlib"], "seconds"))
    result.context += [
        f"ours: {ours:,.0f} events per CPU second ({1e6 / ours:.1f} µs/event)",
        f"stdlib + python-json-logger + RotatingFileHandler: {stdlib:,.0f} events per CPU"
        f" second ({1e6 / stdlib:.1f} µs/event)",
        f"the same ratio by wall time: {wall_ratio:.2f} (noisier: it counts waits for a core)",
        f"{events:,} `request_finished` events per run, 10 MiB rotation;"
        f" {spread(low, high, bench.scale.rounds)}",
    ]
    result.commands += [PIPELINE_COMMAND.format(kind=kind, events=events)
                        for kind in ("ours", "stdlib")]
