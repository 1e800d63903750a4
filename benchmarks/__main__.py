"""`python -m benchmarks [--quick] [--only WORD ...] [--output PATH] [--plan]`: measure, report."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from benchmarks.bench import Bench
from benchmarks.core import CACHE_DIR, FULL, PROJECT_ROOT, QUICK, Result
from benchmarks.machine import machine_facts
from benchmarks.report import load_run, markdown, now_text, save_run, table
from benchmarks.runner import load_figures, run_all, unmeasured_rows

DEFAULT_OUTPUT = PROJECT_ROOT / "docs" / "benchmarks.md"
LAST_RUN = CACHE_DIR / "last-run.json"


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="seconds-long smoke run; numbers mean nothing, nothing is written")
    parser.add_argument("--only", nargs="+", default=[], metavar="WORD",
                        help="run only figures whose module name or title contains WORD")
    parser.add_argument("--output", type=Path, default=None,
                        help="where to write the report (default docs/benchmarks.md for a"
                             " full run; none with --quick or --only)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument("--plan", action="store_true",
                        help="measure nothing: write the report with every figure NOT RUN"
                             " (its targets and methods), after the figures change")
    parser.add_argument("--render-only", action="store_true",
                        help="measure nothing: re-write the report from the last full run"
                             " (after editing benchmarks/history.md)")
    return parser.parse_args(argv)


def _progress(result: Result) -> None:
    detail = result.error or "; ".join(result.context[:2])
    print(f"  {result.status:<6} {result.name}: {result.shown or '—'} ({result.seconds:.0f} s)"
          f"  {detail}", flush=True)


def main(argv: list[str]) -> int:
    """Run the chosen figures; exit 1 only when a figure could not be measured at all."""
    args = _parse(argv)
    if args.render_only:
        results, facts, command, when = load_run(LAST_RUN)
        (args.output or DEFAULT_OUTPUT).write_text(markdown(results, facts, command, when))
        print(table(results))
        return 0
    scale = QUICK if args.quick else FULL
    modules = load_figures(args.only)
    if args.plan:
        planned = [result for module in modules for result in unmeasured_rows(module)]
        output = args.output or DEFAULT_OUTPUT
        output.write_text(markdown(planned, machine_facts(), "python -m benchmarks --plan",
                                   now_text()), encoding="utf-8")
        print(table(planned))
        return 0
    workdir = Path(tempfile.mkdtemp(prefix="microblog-bench-"))
    print(f"benchmarks ({scale.name}): {len(modules)} figures, scratch in {workdir}", flush=True)
    try:
        results = run_all(modules, Bench(scale=scale, workdir=workdir), _progress)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    for result in results:  # the scratch folder is gone; name it the way the report explains
        result.commands = [command.replace(str(workdir), "$SCRATCH") for command in result.commands]
    print()
    print(table(results))
    # Only a full run of every figure may replace docs/benchmarks.md and the saved run.
    complete = not args.quick and not args.only
    output = args.output or (DEFAULT_OUTPUT if complete else None)
    if output is not None:
        command = "make bench" if not argv else "python -m benchmarks " + " ".join(argv)
        facts = machine_facts()
        when = (save_run(LAST_RUN, results, facts, command) if complete
                else now_text())
        output.write_text(markdown(results, facts, command, when), encoding="utf-8")
        print(f"\nwritten to {output}")
    return 1 if any(result.status == "ERROR" for result in results) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
