"""Runs the figure modules in order, each isolated, so one broken figure never hides the others."""

from __future__ import annotations

import importlib
import time
import traceback
from collections.abc import Callable, Sequence
from types import ModuleType

from benchmarks.bench import Bench
from benchmarks.core import Result

# The order of the table; cheap in-process figures last so the HTTP ones run on a quiet box.
FIGURE_MODULES = (
    "fig_observability_overhead",
    "fig_app_vs_floor",
    "fig_error_latency",
    "fig_email_storm",
    "fig_log_integrity",
    "fig_log_pipeline",
    "fig_log_pipeline_floor",
    "fig_log_search",
)


def load_figures(only: Sequence[str] = ()) -> list[ModuleType]:
    """The figure modules; with `only`, those whose name or title contains one of its words."""
    modules = [importlib.import_module(f"benchmarks.{name}") for name in FIGURE_MODULES]
    if not only:
        return modules
    return [m for m in modules
            if any(word in m.__name__ or word in m.NAME for word in only)]


def run_figure(module: ModuleType, bench: Bench) -> Result:
    """One figure's first (or only) row; `run_rows` returns every row a figure measures."""
    return run_rows(module, bench)[0]


def run_rows(module: ModuleType, bench: Bench) -> list[Result]:
    """A figure's rows (NAME, then MORE_ROWS' pairs), measured by one `measure(bench, *rows)`."""
    rows = [(module.NAME, module.TARGET), *getattr(module, "MORE_ROWS", ())]
    results = [Result(name=name, target=target) for name, target in rows]
    started = time.monotonic()
    try:
        module.measure(bench, *results)
    except Exception as error:  # reported as ERROR; the run goes on
        where = traceback.extract_tb(error.__traceback__)[-1]
        for result in results:
            result.error = f"{type(error).__name__}: {error}".strip()
            result.notes.append(f"raised at {where.filename}:{where.lineno} in {where.name}")
    for result in results:
        result.seconds = time.monotonic() - started
    return results


def run_all(modules: Sequence[ModuleType], bench: Bench,
            progress: Callable[[Result], None] = lambda _result: None) -> list[Result]:
    """Every figure in order, reporting each as it finishes."""
    results = []
    for module in modules:
        for result in run_rows(module, bench):
            progress(result)
            results.append(result)
    return results
