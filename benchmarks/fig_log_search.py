"""Figures: `flask logs show <id>` and `microblog-logs show <id>` over ~200 MB of rotated JSON
logs, each against `grep -F` (and jq) measured in the same alternated rounds.

`flask logs show` is the issue's spelling; any `flask` command pays for importing Flask before
it reads a byte, so the details also give that floor (`python -c "import flask"`) against grep.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.bench import Bench
from benchmarks.core import PROJECT_ROOT, Result, Target, median, paired_ratio, spread
from benchmarks.loglines import cached_corpus

NAME = "log search"
TARGET = Target("<=", 2.0)
MORE_ROWS = (("log search (microblog-logs)", Target("<=", 2.0)),)
NEEDLE_LINES = 3  # the needle request logged an app event, the error and request_finished
BIN = Path(sys.executable).parent


def search_folder(corpus: Path, into: Path) -> list[Path]:
    """A private view of the corpus: hard links for rotated files, a copy of the live one.

    A command that started the app might append (app_startup) to the live file; the cached
    corpus must not grow.
    """
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


def measure(bench: Bench, result: Result, standalone: Result) -> None:
    """Warm the page cache, then alternate grep / microblog-logs / flask / the Flask import floor
    (and jq, fewer times: it is slow)."""
    from observability.search.parallel_scan import available_cpus

    scale = bench.scale
    corpus, needle = cached_corpus(bench.cache_dir, scale.search_megabytes)
    folder = bench.scratch("search")
    log_dir = folder / "logs"
    files = [str(path) for path in search_folder(corpus, log_dir)]
    size_mb = sum(Path(path).stat().st_size for path in files) / 1e6
    script = BIN / "microblog-logs"
    if not script.exists():
        raise RuntimeError(f"{script} is missing: `make install-dev` installs the console script")
    commands = {
        "grep": ["grep", "-F", needle, *files],
        "microblog-logs": [str(script), "show", needle],
        "flask": [sys.executable, "-m", "flask", "--app", "wsgi", "logs", "show", needle],
        "import flask": [sys.executable, "-c", "import flask"],
        "cli start-up": [str(script), "--help"],
    }
    jq = ["jq", "-c", 'select(.request_id == "' + needle + '")', *files]
    env = {"LOG_DIR": str(log_dir), "SECRET_KEY": "benchmark-secret-key",
           "DATABASE_URL": f"sqlite:///{folder / 'unused.db'}", "MAIL_SERVER": ""}
    _, found = timed(commands["grep"])  # warm-up, and proof the needle is there
    if found.count(needle) != NEEDLE_LINES:
        raise RuntimeError(f"grep found {found.count(needle)} lines for {needle}, not 3")
    times: dict[str, list[float]] = {key: [] for key in [*commands, "jq"]}
    for round_number in range(scale.search_repeats):
        for key, command in commands.items():
            elapsed, shown = timed(command, env)
            if key in ("microblog-logs", "flask") and needle not in shown:
                raise RuntimeError(f"`{key} … show {needle}` did not show the request")
            times[key].append(elapsed)
        if round_number < 2:
            times["jq"].append(timed(jq)[0])
    ms = {key: median(values) * 1000 for key, values in times.items()}
    flask_ratio, flask_low, flask_high = paired_ratio(times["flask"], times["grep"])
    cli_ratio, cli_low, cli_high = paired_ratio(times["microblog-logs"], times["grep"])
    floor_ratio, _, _ = paired_ratio(times["import flask"], times["grep"])
    startup_ratio, _, _ = paired_ratio(times["cli start-up"], times["grep"])
    cpus = available_cpus()
    scan_ms = scan_seconds(log_dir, needle, scale.search_repeats, processes=cpus) * 1000
    sequential_ms = scan_seconds(log_dir, needle, scale.search_repeats, processes=1) * 1000
    result.judge(flask_ratio)
    standalone.judge(cli_ratio)
    shared = [
        f"{size_mb:.0f} MB in {len(files)} files, page cache warm; jq: median of"
        f" {len(times['jq'])} runs",
        f"`grep -F`: {ms['grep']:.0f} ms, `jq select`: {ms['jq']:.0f} ms",
        f"the scan alone (`find_request` in-process): {scan_ms:.0f} ms with {cpus} processes,"
        f" {sequential_ms:.0f} ms in one ({sequential_ms / ms['grep']:.2f}x grep)",
    ]
    result.context += [
        f"`flask logs show`: {ms['flask']:.0f} ms; `python -c 'import flask'` alone:"
        f" {ms['import flask']:.0f} ms = {floor_ratio:.2f}x grep, the floor of any `flask`"
        " command before it reads a byte;"
        f" {spread(flask_low, flask_high, scale.search_repeats)} (flask / grep)",
        *shared,
    ]
    standalone.context += [
        f"`microblog-logs show`: {ms['microblog-logs']:.0f} ms; its start-up alone"
        f" (`microblog-logs --help`): {ms['cli start-up']:.0f} ms = {startup_ratio:.2f}x grep;"
        f" {spread(cli_low, cli_high, scale.search_repeats)} (microblog-logs / grep)",
        *shared,
    ]
    select = 'select(.request_id == "' + needle + '")'
    grep_jq = [f"grep -F {needle} DIR/microblog.log*", f"jq -c '{select}' DIR/microblog.log*"]
    result.commands += [f"LOG_DIR=DIR flask --app wsgi logs show {needle}",
                        'python -c "import flask"', *grep_jq]
    standalone.commands += [f"LOG_DIR=DIR microblog-logs show {needle}",
                            "microblog-logs --help", *grep_jq]
