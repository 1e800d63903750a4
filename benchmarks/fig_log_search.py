"""Figures: `microblog-logs show <id>` over ~200 MB of rotated JSON logs against ripgrep running
the same typo-tolerant search (a regex for every spelling our fold accepts), with `grep -F` of the
one canonical spelling beside it, all measured in the same alternated rounds.

The ID is quoted as a person might mistype it (`benchmarks.spellings.with_typos`); each tool must
find the request's lines, so no side wins by finding less.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.bench import Bench
from benchmarks.core import PROJECT_ROOT, Result, Target, median, paired_ratio, spread
from benchmarks.loglines import cached_corpus
from benchmarks.spellings import any_spelling_pattern, with_typos

NAME = "log search vs ripgrep"
TARGET = Target("<=", 1.5)
HOW = ("wall time of `microblog-logs show <id as mistyped>` over ripgrep (`rg`) with a regex for"
       " every spelling the fold accepts, same ~200 MB of rotated logs, page cache warm")
MORE_ROWS = (("log search vs grep -F (one spelling)", Target("report"),
              "the same `microblog-logs show` over `grep -F` of the canonical spelling only"
              " (finds no other spelling)"),)
NEEDLE_LINES = 3  # the needle request logged an app event, the error and request_finished
BIN = Path(sys.executable).parent


def search_folder(corpus: Path, into: Path) -> list[Path]:
    """A private view of the corpus: hard links for rotated files, a copy of the live one, so
    nothing a command appends to the live file can grow the cached corpus."""
    into.mkdir(parents=True, exist_ok=True)
    for source in corpus.glob("microblog.log*"):
        target = into / source.name
        if source.name == "microblog.log":
            target.write_bytes(source.read_bytes())
        else:
            os.link(source, target)
    return sorted(into.glob("microblog.log*"))


def timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    """Wall time of one run (start-up included: that is what a person waits for), and stdout."""
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, cwd=PROJECT_ROOT,  # noqa: S603
                               env={**os.environ, **(env or {})}, timeout=300)
    elapsed = time.perf_counter() - started
    if completed.returncode not in (0, 1):  # grep exits 1 for "no match": checked by the caller
        raise RuntimeError(f"{shlex.join(command[:4])} … failed: {completed.stderr.strip()[-300:]}")
    return elapsed, completed.stdout


def scan_seconds(log_dir: Path, needle: str, repeats: int, processes: int) -> float:
    """Median time of the search itself, without the command's start-up."""
    from observability.search.scan import find_request

    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        entries = find_request(log_dir, needle, processes=processes)
        times.append(time.perf_counter() - started)
    if len(entries) != NEEDLE_LINES:
        raise RuntimeError(f"find_request found {len(entries)} events for {needle}, not 3")
    return median(times)


def measure(bench: Bench, result: Result, fixed_string: Result) -> None:
    """Warm the page cache, then alternate ripgrep / grep -F / microblog-logs / its start-up."""
    from observability.search.parallel_scan import available_cpus

    scale = bench.scale
    rg = shutil.which("rg")
    if rg is None:
        raise RuntimeError("ripgrep is not installed: `make bench` installs Debian's `ripgrep`")
    corpus, needle = cached_corpus(bench.cache_dir, scale.search_megabytes)
    quoted = with_typos(needle)
    pattern = any_spelling_pattern(quoted)
    folder = bench.scratch("search")
    log_dir = folder / "logs"
    files = [str(path) for path in search_folder(corpus, log_dir)]
    size_mb = sum(Path(path).stat().st_size for path in files) / 1e6
    script = BIN / "microblog-logs"
    if not script.exists():
        raise RuntimeError(f"{script} is missing: `make install-dev` installs the console script")
    commands = {
        "rg": [rg, "--no-config", "-e", pattern, *files],
        "grep": ["grep", "-F", needle, *files],
        "microblog-logs": [str(script), "show", quoted],
        "cli start-up": [str(script), "--help"],
    }
    env = {"LOG_DIR": str(log_dir)}
    for key in ("rg", "grep"):  # warm-up, and proof that both find the request's lines
        found = timed(commands[key])[1].count(needle)
        if found != NEEDLE_LINES:
            raise RuntimeError(f"{key} found {found} lines of request {needle}, not 3")
    times: dict[str, list[float]] = {key: [] for key in commands}
    for _ in range(scale.search_repeats):
        for key, command in commands.items():
            elapsed, shown = timed(command, env)
            if key == "microblog-logs" and needle not in shown:
                raise RuntimeError(f"`microblog-logs show {quoted}` did not show request {needle}")
            times[key].append(elapsed)
    ms = {key: median(values) * 1000 for key, values in times.items()}
    rg_ratio, rg_low, rg_high = paired_ratio(times["microblog-logs"], times["rg"])
    grep_ratio, grep_low, grep_high = paired_ratio(times["microblog-logs"], times["grep"])
    startup_ratio, _, _ = paired_ratio(times["cli start-up"], times["rg"])
    cpus = available_cpus()
    scan_ms = scan_seconds(log_dir, quoted, scale.search_repeats, processes=cpus) * 1000
    sequential_ms = scan_seconds(log_dir, quoted, scale.search_repeats, processes=1) * 1000
    result.judge(rg_ratio)
    fixed_string.judge(grep_ratio)
    shared = [
        f"{size_mb:.0f} MB in {len(files)} files, page cache warm; the ID quoted as `{quoted}`,"
        f" logged as `{needle}`",
        f"`microblog-logs show`: {ms['microblog-logs']:.0f} ms; `rg` (every spelling):"
        f" {ms['rg']:.0f} ms; `grep -F` (one spelling): {ms['grep']:.0f} ms",
        f"`microblog-logs --help` (its start-up alone): {ms['cli start-up']:.0f} ms ="
        f" {startup_ratio:.2f}x rg",
        f"the scan alone (`find_request` in-process): {scan_ms:.0f} ms with {cpus} processes,"
        f" {sequential_ms:.0f} ms in one",
    ]
    result.context += [*shared, f"{spread(rg_low, rg_high, scale.search_repeats)}"
                                " (microblog-logs / rg)"]
    fixed_string.context += [*shared, f"{spread(grep_low, grep_high, scale.search_repeats)}"
                                      " (microblog-logs / grep -F)"]
    rg_shown = f"rg --no-config -e {shlex.quote(pattern)} DIR/microblog.log*"
    result.commands += [f"LOG_DIR=DIR microblog-logs show {quoted}", rg_shown,
                        "microblog-logs --help"]
    fixed_string.commands += [f"LOG_DIR=DIR microblog-logs show {quoted}",
                              f"grep -F {needle} DIR/microblog.log*"]
