"""Figure: `flask logs show <id>` over ~200 MB of rotated JSON logs vs `grep -F` (and jq)."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.bench import Bench
from benchmarks.core import PROJECT_ROOT, Result, Target, median
from benchmarks.loglines import cached_corpus

NAME = "log search"
TARGET = Target("<=", 2.0)
NEEDLE_LINES = 3  # the needle request logged an app event, the error and request_finished


def search_folder(corpus: Path, into: Path) -> list[Path]:
    """A private view of the corpus: hard links for rotated files, a copy of the live one.

    The CLI's app may append (app_startup) to the live file; the cached corpus must not grow.
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


def scan_seconds(log_dir: Path, needle: str, repeats: int) -> float:
    """Median time of the search itself, without the command's start-up."""
    from observability.log_search import find_request

    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        entries = find_request(log_dir, needle)
        times.append(time.perf_counter() - started)
    if len(entries) != NEEDLE_LINES:
        raise RuntimeError(f"find_request found {len(entries)} events for {needle}, not 3")
    return median(times)


def measure(bench: Bench, result: Result) -> None:
    """Warm the page cache, then alternate grep / flask (and jq, fewer times: it is slow)."""
    scale = bench.scale
    corpus, needle = cached_corpus(bench.cache_dir, scale.search_megabytes)
    folder = bench.scratch("search")
    files = [str(path) for path in search_folder(corpus, folder / "logs")]
    size_mb = sum(Path(path).stat().st_size for path in files) / 1e6
    grep = ["grep", "-F", needle, *files]
    jq = ["jq", "-c", f'select(.request_id == "{needle}")', *files]
    flask = [sys.executable, "-m", "flask", "--app", "wsgi", "logs", "show", needle]
    flask_env = {"LOG_DIR": str(folder / "logs"), "SECRET_KEY": "benchmark-secret-key",
                 "DATABASE_URL": f"sqlite:///{folder / 'unused.db'}", "MAIL_SERVER": ""}
    _, found = timed(grep)  # warm-up, and proof the needle is there
    if found.count(needle) != NEEDLE_LINES:
        raise RuntimeError(f"grep found {found.count(needle)} lines for {needle}, not 3")
    times: dict[str, list[float]] = {"grep": [], "flask": [], "jq": []}
    for round_number in range(scale.search_repeats):
        times["grep"].append(timed(grep)[0])
        elapsed, shown = timed(flask, flask_env)
        if needle not in shown:
            raise RuntimeError(f"`flask logs show {needle}` did not show the request")
        times["flask"].append(elapsed)
        if round_number < 2:
            times["jq"].append(timed(jq)[0])
    grep_s, flask_s, jq_s = (median(times[key]) for key in ("grep", "flask", "jq"))
    scan_s = scan_seconds(folder / "logs", needle, scale.search_repeats)
    result.judge(flask_s / grep_s)
    result.context += [
        f"`flask logs show`: {flask_s * 1000:.0f} ms, `grep -F`: {grep_s * 1000:.0f} ms,"
        f" `jq select`: {jq_s * 1000:.0f} ms (flask / jq = {flask_s / jq_s:.2f})",
        f"the scan alone (`find_request` in-process): {scan_s * 1000:.0f} ms ="
        f" {scan_s / grep_s:.2f}x grep; the other {max(flask_s - scan_s, 0) * 1000:.0f} ms"
        " of the command are interpreter, imports and app start-up",
        f"{size_mb:.0f} MB in {len(files)} files, page cache warm, median of"
        f" {scale.search_repeats} runs (jq: {len(times['jq'])}); flask's time includes"
        " interpreter and app start-up",
    ]
    result.commands += [
        f"LOG_DIR=DIR flask --app wsgi logs show {needle}",
        f"grep -F {needle} DIR/microblog.log*",
        f"jq -c 'select(.request_id == \"{needle}\")' DIR/microblog.log*",
    ]
