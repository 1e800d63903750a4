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
    "fig_breadcrumbs",
    "fig_error_latency",
    "fig_email_storm",
    "fig_log_integrity",
    "fig_log_pipeline",
    "fig_log_search",
)


def load_figures(only: Sequence[str] = ()) -> list[ModuleType]:
    """The figure modules; with `only`, those whose name or title contains one of its words."""
    modules = [importlib.import_module(f"benchmarks.{name}") for name in FIGURE_MODULES]
    if not only:
        return modules
    return [m for m in modules if any(word in m.__name__ or word in row.name
                                      for word in only for row in unmeasured_rows(m))]


def unmeasured_rows(module: ModuleType) -> list[Result]:
    """A figure's rows (NAME, then MORE_ROWS' (name, target, how) triples), not yet measured."""
    rows = [(module.NAME, module.TARGET, module.HOW), *getattr(module, "MORE_ROWS", ())]
    return [Result(name=name, target=target, how=how) for name, target, how in rows]


def run_rows(module: ModuleType, bench: Bench) -> list[Result]:
    """A figure's rows, all measured by one `measure(bench, *rows)`."""
    results = unmeasured_rows(module)
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
