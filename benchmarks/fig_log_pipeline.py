"""Figure: events/s of our structlog pipeline vs stdlib logging + python-json-logger."""

from __future__ import annotations

from benchmarks.bench import PIPELINE_COMMAND, Bench
from benchmarks.core import Result, Target, median

NAME = "log pipeline throughput"
TARGET = Target(">=", 2.0)


def rates(runs: list[dict[str, object]]) -> list[float]:
    """Events per second of each round, after checking every event became one JSON line."""
    for run in runs:
        if run["lines"] != run["events"] or run["bad_lines"]:
            raise RuntimeError(f"{run['kind']}: {run['events']} events gave {run['lines']} lines"
                               f" ({run['bad_lines']} not JSON objects)")
    return [float(run["events"]) / float(run["seconds"]) for run in runs]  # type: ignore[arg-type]


def measure(bench: Bench, result: Result) -> None:
    """Ratio of the medians over alternated rounds, each run in a fresh interpreter."""
    runs = bench.pipeline_runs()
    ours, stdlib = median(rates(runs["ours"])), median(rates(runs["stdlib"]))
    result.judge(ours / stdlib)
    events = bench.scale.pipeline_events
    result.context += [
        f"ours: {ours:,.0f} events/s ({1e6 / ours:.1f} µs/event)",
        f"stdlib + python-json-logger + RotatingFileHandler: {stdlib:,.0f} events/s"
        f" ({1e6 / stdlib:.1f} µs/event)",
        f"{events:,} `request_finished` events per run, 10 MiB rotation, median of"
        f" {bench.scale.rounds} alternated rounds",
    ]
    result.commands += [PIPELINE_COMMAND.format(kind=kind, events=events)
                        for kind in ("ours", "stdlib")]
