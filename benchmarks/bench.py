"""What the figures share in one run: the scale, a scratch folder, and inputs built once."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.core import CACHE_DIR, PROJECT_ROOT, Scale
from benchmarks.site import SeededSite, seed_site


@dataclass
class Bench:
    """The run's context; expensive inputs are made on first use and then reused."""

    scale: Scale
    workdir: Path
    cache_dir: Path = CACHE_DIR  # inputs worth keeping between runs (the search corpus)
    _memo: dict[str, Any] = field(default_factory=dict)

    def once(self, key: str, make: Callable[[], Any]) -> Any:
        """`make()` the first time `key` is asked for, the same value (or error) afterwards."""
        if key not in self._memo:
            try:
                self._memo[key] = make()
            except Exception as error:  # kept, so a shared input fails only once
                self._memo[key] = error
        value = self._memo[key]
        if isinstance(value, Exception):
            raise value
        return value

    def site(self) -> SeededSite:
        """The seeded database template and the logged-in session cookie."""
        return self.once("site", lambda: seed_site(self.workdir))  # type: ignore[no-any-return]

    def scratch(self, name: str) -> Path:
        """A fresh folder for one measurement."""
        path = self.workdir / name
        suffix = 1
        while path.exists():
            suffix += 1
            path = self.workdir / f"{name}-{suffix}"
        path.mkdir(parents=True)
        return path

    def pipeline_runs(self) -> dict[str, list[dict[str, Any]]]:
        """Our pipeline and the stdlib + python-json-logger recipe, alternated round by round."""
        return self.once("pipeline", self._measure_pipelines)  # type: ignore[no-any-return]

    def _measure_pipelines(self) -> dict[str, list[dict[str, Any]]]:
        runs: dict[str, list[dict[str, Any]]] = {"ours": [], "stdlib": []}
        for _ in range(self.scale.rounds):
            for kind, results in runs.items():
                results.append(run_pipeline_worker(kind, self.scale.pipeline_events,
                                                   self.scratch(f"pipeline-{kind}")))
        return runs


PIPELINE_COMMAND = "python -m benchmarks.pipeline_worker {kind} {events} DIR"


def run_pipeline_worker(kind: str, events: int, log_dir: Path) -> dict[str, Any]:
    """One measurement in a fresh interpreter; its JSON summary."""
    completed = subprocess.run(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-m", "benchmarks.pipeline_worker", kind, str(events), str(log_dir)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600, check=False)
    if completed.returncode:
        raise RuntimeError(f"pipeline_worker {kind} failed: {completed.stderr.strip()[-800:]}")
    summary: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return summary
