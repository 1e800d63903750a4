"""What every figure shares: how big a run is, what a target is, what a result holds."""

from __future__ import annotations

import operator
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = PROJECT_ROOT / ".bench"  # gitignored: generated inputs worth keeping between runs


@dataclass(frozen=True)
class Scale:
    """How hard to push: `FULL` for `make bench`, `QUICK` for the smoke test (seconds long)."""

    name: str
    rounds: int  # A/B/A/B rounds per comparison; the median of each side is kept
    server_pairs: int  # servers started afresh per side-by-side figure (`fresh_pairs_index`)
    rounds_per_pair: int  # rounds of each pair loaded at once
    http_seconds: int  # wrk duration per side per round
    warmup_seconds: int
    pipeline_events: int  # events per log-pipeline measurement
    storm_errors: int
    storm_seconds: float
    integrity_requests: int
    search_megabytes: int
    search_repeats: int

    @property
    def quick(self) -> bool:
        """Quick runs exercise the code paths; their numbers are not figures."""
        return self.name == "quick"


FULL = Scale("full", rounds=9, server_pairs=8, rounds_per_pair=2, http_seconds=3,
             warmup_seconds=2,
             pipeline_events=60_000,
             storm_errors=1000, storm_seconds=10.0, integrity_requests=4000,
             search_megabytes=200, search_repeats=5)
QUICK = Scale("quick", rounds=1, server_pairs=2, rounds_per_pair=1, http_seconds=1,
              warmup_seconds=0,
              pipeline_events=2_000,
              storm_errors=40, storm_seconds=1.0, integrity_requests=80,
              search_megabytes=2, search_repeats=1)

_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge, "<=": operator.le, "==": operator.eq,
}


@dataclass(frozen=True)
class Target:
    """A figure's goal: `>= 0.95`, `<= 1.2`, `== 1`, or `report` (no goal, just the number)."""

    op: str
    value: float = 0.0
    label: str = ""  # how the table states the goal, when `op value` would not say it well

    def met(self, measured: float) -> bool | None:
        """True or False against the goal; None for report-only figures."""
        if self.op == "report":
            return None
        return _OPERATORS[self.op](measured, self.value)

    def __str__(self) -> str:
        if self.label:
            return self.label
        return "report it" if self.op == "report" else f"{self.op} {self.value:g}"


@dataclass
class Result:
    """One figure's outcome: the ratio, whether it meets the target, and how it was produced."""

    name: str
    target: Target
    how: str = ""  # what the figure compares, one sentence, for the targets table
    value: float | None = None
    shown: str = ""  # the value as the table prints it, e.g. "0.97" or "100 %, 0 torn"
    passed: bool | None = None
    context: list[str] = field(default_factory=list)  # absolute numbers, for reading only
    commands: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str = ""  # set when the figure could not be measured
    seconds: float = 0.0

    @property
    def status(self) -> str:
        """PASS, MISS, REPORT (no target), ERROR (could not measure) or NOT RUN (a plan only)."""
        if self.error:
            return "ERROR"
        if self.value is None:
            return "NOT RUN"
        if self.passed is None:
            return "REPORT"
        return "PASS" if self.passed else "MISS"

    def judge(self, value: float, shown: str | None = None) -> None:
        """Record the measured ratio and compare it with the target."""
        self.value = value
        self.passed = self.target.met(value)
        # Two decimals, unless they would round onto the target and hide which side it is on.
        close = self.target.op != "report" and round(value, 2) == round(self.target.value, 2)
        self.shown = shown if shown is not None else f"{value:.4f}" if close else f"{value:.2f}"


def median(values: list[float]) -> float:
    """Median of the rounds; a single quick round is its own median."""
    return statistics.median(values)


def paired_ratio(sides_a: list[float], sides_b: list[float]) -> tuple[float, float, float]:
    """(median, lowest, highest) of a/b round by round: neighbours in time share the noise."""
    ratios = [a / b for a, b in zip(sides_a, sides_b, strict=True)]
    return statistics.median(ratios), min(ratios), max(ratios)


def spread(low: float, high: float, rounds: int, kind: str = "alternated") -> str:
    """How much the rounds disagreed, for the reader to judge the noise."""
    return f"{rounds} {kind} rounds; per-round ratios from {low:.2f} to {high:.2f}"
