"""Figure: events/s of our pipeline vs one os.write of a pre-rendered line (O_APPEND), the floor."""

from __future__ import annotations

from benchmarks.bench import PIPELINE_COMMAND, Bench
from benchmarks.core import Result, Target, median
from benchmarks.fig_log_pipeline import rates

NAME = "log pipeline vs the floor"
TARGET = Target("report")


def measure(bench: Bench, result: Result) -> None:
    """Same rounds as the throughput figure; the floor run adds no formatting and no rotation."""
    runs = bench.pipeline_runs()
    ours, floor = median(rates(runs["ours"])), median(rates(runs["floor"]))
    result.judge(ours / floor)
    per_event = 1e6 / ours - 1e6 / floor
    result.context += [
        f"floor: {floor:,.0f} lines per CPU second ({1e6 / floor:.2f} µs/line)",
        f"ours: {ours:,.0f} events per CPU second, i.e. {per_event:.1f} µs per event above"
        " the floor",
    ]
    result.commands += [PIPELINE_COMMAND.format(kind=kind, events=bench.scale.pipeline_events)
                        for kind in ("ours", "floor")]
