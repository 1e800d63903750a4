"""The servers the HTTP figures load: our app (seeded copy, own logs) and a bare Flask floor."""

from __future__ import annotations

import math
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from benchmarks.bench import Bench
from benchmarks.core import median, paired_ratio, spread
from benchmarks.procs import Server, group_cpu_seconds, gunicorn, pin_one_per_core
from benchmarks.site import app_env
from benchmarks.wrk import USER_AGENT, WrkRun, run_wrk

ADMIN = "ops@example.com"


@dataclass(frozen=True)
class AppServer:
    """A running app and its private database and log folder."""

    server: Server
    db_path: Path
    log_dir: Path


def mail_env(port: int | None, throttle_seconds: int | None = None) -> dict[str, str]:
    """Error emails on (to our aiosmtpd) or off; `None` port means no mail server at all."""
    if port is None:
        return {"MAIL_SERVER": ""}
    env = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(port), "ADMINS": ADMIN,
           "MAIL_FROM": "microblog@example.com"}
    if throttle_seconds is not None:
        env["ERROR_EMAIL_THROTTLE_SECONDS"] = str(throttle_seconds)
    return env


@contextmanager
def app_server(bench: Bench, label: str, workers: int,
               prepare_db: Callable[[Path], object] | None = None, /,
               **env: str) -> Iterator[AppServer]:
    """gunicorn wsgi:app on a private copy of the seeded database; `env` adds settings."""
    folder = bench.scratch(label)
    db_path = bench.site().fresh_db(folder / "microblog.db")
    if prepare_db is not None:
        prepare_db(db_path)
    log_dir = folder / "logs"
    with gunicorn("wsgi:app", workers, app_env(db_path, log_dir, **env), folder) as server:
        yield AppServer(server=server, db_path=db_path, log_dir=log_dir)


@contextmanager
def hello_server(bench: Bench, workers: int) -> Iterator[Server]:
    """The floor: a bare Flask 'hello' app under the same gunicorn."""
    folder = bench.scratch("hello")
    # gunicorn.conf.py wires gunicorn's own loggers to the pipeline in the master: keep them here.
    env = {"LOG_DIR": str(folder / "logs"), "SECRET_KEY": "benchmark-secret-key"}
    with gunicorn("benchmarks.hello_app:app", workers, env, folder, ready_path="/") as server:
        yield server


def assert_logged_in_feed(url: str, cookie: str) -> None:
    """The load must hit the real feed: a redirect to /login would be a cheap, fake figure."""
    request = urllib.request.Request(url + "/index", headers={"Cookie": cookie,  # noqa: S310
                                                           "User-Agent": USER_AGENT})
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
        page = response.read().decode("utf-8")
        if response.status != 200 or "/login" in response.url:
            raise RuntimeError(f"{url}/index answered {response.status} at {response.url}")
    if page.count("Benchmark post number") < 20:
        raise RuntimeError("the logged-in feed does not show the 20 seeded posts")


@dataclass(frozen=True)
class Load:
    """One side of a comparison: what wrk loads, and whose CPU time it uses."""

    url: str
    headers: dict[str, str]
    server_pid: int


@dataclass(frozen=True)
class Round:
    """One wrk run and the CPU time the server's processes spent during it."""

    run: WrkRun
    cpu_seconds: float

    @property
    def cpu_ms_per_request(self) -> float:
        """Server CPU per request: a cost that other tenants of the machine barely move."""
        return self.cpu_seconds * 1000 / self.run.requests if self.run.requests else 0.0


def alternate(bench: Bench, loads: dict[str, Load], expect_success: bool = True,
              connections: int = 4) -> dict[str, list[Round]]:
    """Warm each side up, then A/B/A/B rounds of wrk so drift hits both sides alike."""
    scale = bench.scale
    _warm_up(bench, loads, connections)
    rounds: dict[str, list[Round]] = {label: [] for label in loads}
    for _ in range(scale.rounds):
        for label, load in loads.items():
            cpu_before = group_cpu_seconds(load.server_pid)
            run = run_wrk(load.url, scale.http_seconds, connections, headers=load.headers)
            cpu = group_cpu_seconds(load.server_pid) - cpu_before
            if expect_success:
                _check_all_served(label, run)
            rounds[label].append(Round(run=run, cpu_seconds=cpu))
    return rounds


def _warm_up(bench: Bench, loads: dict[str, Load], connections: int) -> None:
    """Load each side briefly first: imports, caches and connections are not what we measure."""
    if bench.scale.warmup_seconds:
        for load in loads.values():
            run_wrk(load.url, bench.scale.warmup_seconds, connections, headers=load.headers)


def _check_all_served(label: str, run: WrkRun) -> None:
    """A figure of error pages or dropped connections would measure the wrong thing."""
    if run.non_2xx_3xx or run.socket_errors:
        raise RuntimeError(f"{label}: {run.non_2xx_3xx} error responses and"
                           f" {run.socket_errors} socket errors in {run.requests}")


def side_by_side(bench: Bench, loads: dict[str, Load], rounds_wanted: int,
                 connections: int = 2) -> dict[str, list[Round]]:
    """Both sides under load at the same time, round after round; whose wrk starts first alternates.

    For two servers that differ in one setting. Run one after the other, the two sides of a
    round meet different machines: on a shared box the speed of a core drifts by tens of percent
    within seconds. Run together, both meet the same drift; with each side's workers pinned one
    per core, both meet each core's speed alike too, so the ratio of their rates is the ratio of
    their costs (`fresh_pairs_index` handles what differs between two server processes).
    """
    scale = bench.scale
    _warm_up(bench, loads, connections)
    for load in loads.values():
        pin_one_per_core(load.server_pid)
    rounds: dict[str, list[Round]] = {label: [] for label in loads}
    labels = list(loads)
    with ThreadPoolExecutor(max_workers=len(labels)) as pool:
        for number in range(rounds_wanted):
            order = labels if number % 2 == 0 else labels[::-1]
            cpu_before = {label: group_cpu_seconds(loads[label].server_pid) for label in order}
            running = {label: pool.submit(run_wrk, loads[label].url, scale.http_seconds,
                                          connections, headers=loads[label].headers)
                       for label in order}
            finished = {label: future.result() for label, future in running.items()}
            for label in order:
                run = finished[label]
                _check_all_served(label, run)
                cpu = group_cpu_seconds(loads[label].server_pid) - cpu_before[label]
                rounds[label].append(Round(run=run, cpu_seconds=cpu))
    return rounds


def index_side_by_side(bench: Bench, cookie: str, sides: dict[str, AppServer],
                       rounds_wanted: int) -> dict[str, list[Round]]:
    """Each app's logged-in feed checked, then its `/index` loaded beside the others'."""
    for side in sides.values():
        assert_logged_in_feed(side.server.url, cookie)
    headers = {"Cookie": cookie}
    return side_by_side(bench, {
        label: Load(side.server.url + "/index", headers, side.server.pid)
        for label, side in sides.items()}, rounds_wanted)


@dataclass(frozen=True)
class RateComparison:
    """Side A against side B: requests/s (the figure) and server CPU per request (a cross-check)."""

    ratio: float  # median of the per-round A/B ratios (or of pairs': compare_fresh_pairs)
    low: float
    high: float
    rate_a: float
    rate_b: float
    cpu_a: float  # ms of server CPU per request
    cpu_b: float

    @property
    def cpu_ratio(self) -> float:
        """A's speed relative to B's, judged by CPU per request (steadier on a shared machine)."""
        return self.cpu_b / self.cpu_a if self.cpu_a else 0.0


def compare_rates(runs: dict[str, list[Round]], a: str, b: str) -> RateComparison:
    """Medians and the paired ratio of two sides that `alternate` ran."""
    rates_a, rates_b = [r.run.rate for r in runs[a]], [r.run.rate for r in runs[b]]
    ratio, low, high = paired_ratio(rates_a, rates_b)
    return RateComparison(
        ratio=ratio, low=low, high=high, rate_a=median(rates_a), rate_b=median(rates_b),
        cpu_a=median([r.cpu_ms_per_request for r in runs[a]]),
        cpu_b=median([r.cpu_ms_per_request for r in runs[b]]),
    )


AppStarter = Callable[[], AbstractContextManager[AppServer]]


@dataclass(frozen=True)
class FreshPairs:
    """Two sides' rounds, a few per pair of freshly started servers."""

    pairs: list[dict[str, list[Round]]]
    servers: dict[str, list[AppServer]]  # every server each side ran, in start order

    def rounds(self, label: str) -> list[Round]:
        """The side's rounds of every pair."""
        return [round_ for pair in self.pairs for round_ in pair[label]]

    def commands(self, a: str, b: str) -> list[str]:
        """How to repeat a pair: the first pair's two servers, and side A's load."""
        return [self.servers[a][0].server.command, self.servers[b][0].server.command,
                self.rounds(a)[0].run.command]


def fresh_pairs_index(bench: Bench, cookie: str, starters: dict[str, AppStarter],
                      ) -> FreshPairs:
    """`index_side_by_side` over several pairs of servers, each pair started afresh.

    On this VM, of two identical servers loaded side by side, the one started first needs about
    3-4 % more CPU per request for as long as both run (A/A runs in benchmarks/history.md; the
    cause is not ours to see, the VM's memory is the likely one). One pair of servers would pass
    that off as the setting's cost, so the pairs alternate who starts first: `compare_fresh_pairs`
    then cancels the bias.
    """
    labels = list(starters)
    scale = bench.scale
    servers: dict[str, list[AppServer]] = {label: [] for label in labels}
    pairs = []
    for number in range(scale.server_pairs):
        order = labels if number % 2 == 0 else labels[::-1]
        with ExitStack() as running:
            started = {label: running.enter_context(starters[label]()) for label in order}
            for label in labels:
                servers[label].append(started[label])
            pairs.append(index_side_by_side(bench, cookie, {label: started[label]
                                                            for label in labels},
                                            scale.rounds_per_pair))
    return FreshPairs(pairs=pairs, servers=servers)


def compare_fresh_pairs(runs: FreshPairs, a: str, b: str) -> tuple[RateComparison, list[float]]:
    """The comparison over every pair; its ratio cancels the start-order bias.

    Each pair is one vote (the median of its rounds, which share its servers). The votes of the
    pairs where A started first and of those where B did are summarised apart (medians), and
    the ratio is the geometric mean of the two: a bias that multiplies the one divides the
    other. Also returned: every pair's ratio, in order (A started first in the 1st, 3rd...).
    """
    per_pair = [compare_rates(pair, a, b).ratio for pair in runs.pairs]
    a_first, b_first = median(per_pair[0::2]), median(per_pair[1::2] or per_pair[0::2])
    merged = compare_rates({label: runs.rounds(label) for label in (a, b)}, a, b)
    return replace(merged, ratio=math.sqrt(a_first * b_first)), per_pair


def how_pairs_were_judged(bench: Bench, compared: RateComparison, per_pair: list[float],
                          side_a: str, side_b: str) -> str:
    """The figure's context line for `compare_fresh_pairs`: the method and every pair's ratio;
    `side_a` and `side_b` name the two servers in words."""
    ratios = ", ".join(f"{ratio:.3f}" for ratio in per_pair)
    rounds = len(per_pair) * bench.scale.rounds_per_pair
    return (f"the figure: the geometric mean of two medians, of the server pairs where {side_a}"
            f" started first and of those where {side_b} did (the first started is slower);"
            f" {len(per_pair)} pairs, in order {ratios}, each the median of"
            f" {bench.scale.rounds_per_pair} rounds of {bench.scale.http_seconds} s;"
            f" {spread(compared.low, compared.high, rounds, 'paired')}")
