"""The benchmark harness cannot rot: every figure's code path runs in a seconds-long quick mode.

Quick runs prove the plumbing (servers, wrk, aiosmtpd, the pipeline workers, the search corpus)
and the shape of the results; their numbers mean nothing, so no assertion here is about speed.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.bench import Bench
from benchmarks.core import PROJECT_ROOT, QUICK, Result, Target
from benchmarks.loglines import FILE_BYTES, generate
from benchmarks.machine import machine_facts
from benchmarks.report import load_run, markdown, save_run
from benchmarks.runner import FIGURE_MODULES, load_figures, run_rows, unmeasured_rows
from benchmarks.spellings import any_spelling_pattern, with_typos
from observability.request_id import CONFUSABLES, new_request_id, normalize_request_id

NEEDS_TOOL = {"fig_observability_overhead": "wrk", "fig_app_vs_floor": "wrk",
              "fig_breadcrumbs": "wrk", "fig_error_latency": "wrk", "fig_log_search": "rg"}


@pytest.fixture(scope="module")
def quick_bench(tmp_path_factory: pytest.TempPathFactory) -> Bench:
    """One quick bench for the module, so the seeded site is made once."""
    root = tmp_path_factory.mktemp("bench")
    return Bench(scale=QUICK, workdir=root / "work", cache_dir=root / "cache")


@pytest.mark.slow
@pytest.mark.parametrize("module_name", FIGURE_MODULES)
def test_figure_runs_in_quick_mode(quick_bench: Bench, module_name: str) -> None:
    """Each figure measures something and reports a value, its target, context and commands."""
    tool = NEEDS_TOOL.get(module_name)
    if tool is not None and shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed: `make system-deps` installs it")
    (module,) = [m for m in load_figures() if m.__name__.endswith("." + module_name)]
    results = run_rows(module, quick_bench)
    for result in results:
        assert result.error == "", result.notes
        assert result.status in {"PASS", "MISS", "REPORT"}
        assert isinstance(result.value, int | float) and result.value > 0
        assert result.shown and result.how
        assert result.context and result.commands
        assert all("Cookie: session=" not in command or "session=…" in command
                   for command in result.commands), "the session cookie must not reach the report"


def test_target_judges_and_status_names_the_outcome() -> None:
    """A target compares in its direction; errors and report-only figures have their own status."""
    assert Target(">=", 0.95).met(0.96) and not Target(">=", 0.95).met(0.94)
    assert Target("<=", 1.2).met(1.2) and Target("==", 1).met(1)
    assert Target("report").met(123.0) is None
    missed = Result("x", Target(">=", 2.0))
    missed.judge(1.5)
    assert (missed.status, missed.shown) == ("MISS", "1.50")
    reported = Result("y", Target("report"))
    reported.judge(0.05)
    assert reported.status == "REPORT"
    assert Result("z", Target(">=", 1), error="boom").status == "ERROR"


def test_report_shows_machine_every_figure_target_and_status() -> None:
    """docs/benchmarks.md names the machine, the command, and each figure with target and status."""
    passed = Result("observability overhead", Target(">=", 0.95), commands=["wrk -t1 …"],
                    how="full vs quiet")
    passed.judge(0.97)
    failed = Result("log search", Target("<=", 2.0), error="RuntimeError: no corpus")
    text = markdown([passed, failed], machine_facts(), "make bench", "2026-01-01 00:00 UTC")
    for key in ("nproc", "CPU", "memory", "Python", "OS"):
        assert f"- {key}: " in text
    assert "`make bench`" in text
    assert "| observability overhead | 0.97     | >= 0.95 | PASS   |" in text
    assert "| log search" in text and "ERROR" in text and "RuntimeError: no corpus" in text
    assert "wrk -t1 …" in text
    assert "| observability overhead | >= 0.95 | full vs quiet |" in text
    assert "--only 'observability overhead'" in text


def test_saved_run_renders_the_same_report(tmp_path: Path) -> None:
    """A run saved to JSON re-renders to the report written at the time (for history edits)."""
    measured = Result("email storm", Target("==", 1), context=["1 email"], commands=["wrk"])
    measured.judge(1, "1")
    facts = machine_facts()
    when = save_run(tmp_path / "run.json", [measured], facts, "make bench")
    results, loaded_facts, command, loaded_when = load_run(tmp_path / "run.json")
    assert results == [measured] and loaded_facts == facts
    assert markdown(results, loaded_facts, command, loaded_when) == markdown(
        [measured], facts, "make bench", when)


def test_search_corpus_is_rotated_json_with_one_needle(tmp_path: Path) -> None:
    """The generated logs look like the app's: rotated files of JSON lines, the needle 3 times."""
    needle = generate(tmp_path, megabytes=2)
    files = sorted(tmp_path.glob("microblog.log*"))
    assert len(files) >= 2
    assert (tmp_path / "microblog.log").stat().st_size < FILE_BYTES
    hits = 0
    for path in files:
        for line in path.read_bytes().splitlines():
            event = json.loads(line)
            assert {"timestamp", "level", "event", "logger", "request_id"} <= event.keys()
            hits += event["request_id"] == needle
    assert hits == 3


def test_value_next_to_its_target_shows_which_side_it_is_on() -> None:
    """0.9497 against >= 0.95 reads 0.9497 MISS, never the contradictory 0.95 MISS."""
    result = Result("overhead", Target(">=", 0.95))
    result.judge(0.9497)
    assert (result.shown, result.status) == ("0.9497", "MISS")
    result.judge(0.9512)
    assert (result.shown, result.status) == ("0.9512", "PASS")
    result.judge(0.97)
    assert result.shown == "0.97"


def test_plan_lists_every_figure_as_not_run() -> None:
    """A report written before measuring names each figure's target and method, and no number."""
    planned = [row for module in load_figures() for row in unmeasured_rows(module)]
    assert len(planned) > len(FIGURE_MODULES)  # some figures measure more than one row
    assert {row.status for row in planned} == {"NOT RUN"}
    text = markdown(planned, machine_facts(), "python -m benchmarks --plan", "2026-01-01 00:00 UTC")
    for row in planned:
        assert row.how and f"| {row.name} | {row.target} | {row.how} |" in text
        assert [m.NAME for m in load_figures([row.name])] == [  # its `--only` finds its figure
            m.NAME for m in load_figures() if row in unmeasured_rows(m)]
    assert "- took " not in text and "Not measured in this report" in text


def _respelled(request_id: str, rng: random.Random) -> str:
    """One way a logged ID may spell `request_id`: any case, confusable letters, stray dashes."""
    letters_for: dict[str, list[str]] = {}
    for letter, digit in CONFUSABLES.items():
        letters_for.setdefault(digit, []).append(letter)
    spelled = []
    for ch in request_id:
        ch = rng.choice([ch, *letters_for.get(ch, [])])
        spelled.append(rng.choice([ch.lower(), ch.upper()]) + "-" * rng.choice([0, 0, 1, 2]))
    return "".join(spelled)


def test_any_spelling_pattern_matches_exactly_what_the_fold_accepts() -> None:
    """The ripgrep regex finds every spelling that folds to the quoted ID, and no other ID."""
    rng = random.Random(11)  # noqa: S311 (test spellings, not secrets)
    for _ in range(200):
        canonical = new_request_id()
        pattern = re.compile(any_spelling_pattern(with_typos(canonical)))
        spelled = _respelled(canonical, rng)
        assert pattern.search('{"request_id":"' + spelled + '","x":1}'), spelled
        assert not pattern.search('{"request_id":"' + spelled.rstrip("-")[:-1] + '"}')  # short
        other = _respelled(rng.choice([new_request_id(), canonical[:-1] + "Z"]), rng)
        found = pattern.search('{"request_id":"' + other + '"}') is not None
        assert found == (normalize_request_id(other) == normalize_request_id(canonical))
    assert not re.search(any_spelling_pattern("AB1"), '{"request_id":"AB1C"}')
    assert not re.search(any_spelling_pattern("AB1"), '{"path":"AB1"}')


def test_typo_spelling_folds_to_the_canonical_id() -> None:
    """The benchmark quotes the ID mistyped, and our fold still reads it as the logged one."""
    quoted = with_typos("10ABC-DEF01-23XYZ")
    assert quoted == "ioabc-defoi-23xyz"
    assert normalize_request_id(quoted) == normalize_request_id("10ABC-DEF01-23XYZ")


@pytest.mark.slow
@pytest.mark.parametrize("probe", [["benchmarks.index_ablation", "--rounds", "1"],
                                   ["benchmarks.index_profile", "--rounds", "1"]])
def test_in_process_probe_prints_its_table(probe: list[str]) -> None:
    """The CPU probes history.md cites run as written and print a figure for /index."""
    completed = subprocess.run(
        [sys.executable, "-m", *probe], cwd=PROJECT_ROOT, capture_output=True, text=True,
        timeout=300, check=False)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert re.search(r"/index.*\d+\.\d+", completed.stdout), completed.stdout
