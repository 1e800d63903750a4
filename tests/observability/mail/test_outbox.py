"""The outbox: durable queueing, the throttle counted from delivered emails, leases, retries.

Every test runs on a real SQLite file and on the throwaway PostgreSQL server.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
import warnings
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from observability.mail.outbox import Outbox, RetryPolicy, store_url
from observability.settings import ObservabilitySettings

WINDOW = 300
EVENT = {"event": "unhandled_exception", "request_id": "REQ-1", "level": "error"}


class FakeClock:
    """A wall clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


MakeOutbox = Callable[..., Outbox]


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The store's URL: a file in a state folder, or an empty PostgreSQL database."""
    if request.param == "sqlite":
        return store_url("", tmp_path / "state")
    return str(request.getfixturevalue("postgres_database_url"))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_outbox(store: str, clock: FakeClock) -> Any:
    """Outboxes on the test's store and clock (each one a separate process's view)."""
    made: list[Outbox] = []

    def make(window: float = WINDOW, **options: Any) -> Outbox:
        outbox = Outbox(store, window, clock=clock, **options)
        made.append(outbox)
        return outbox

    yield make
    for outbox in made:
        outbox.dispose()


def test_store_is_the_database_server_or_a_state_file(tmp_path: Path) -> None:
    """PostgreSQL URLs are shared by hosts; SQLite (or none) means this host's state folder."""
    server = "postgresql+psycopg://app@db.example.org/microblog"
    assert store_url(server, tmp_path) == server
    assert store_url("sqlite:///x.db", tmp_path) == f"sqlite:///{tmp_path}/error_email_outbox.sqlite3"
    assert Outbox(server, 1).shared_by_hosts
    assert not Outbox(store_url("", tmp_path), 1).shared_by_hosts


def test_first_occurrence_is_queued_and_repeats_fold_into_it(make_outbox: MakeOutbox) -> None:
    """While an email waits, repeats only add to its held-back count."""
    outbox = make_outbox()
    assert outbox.record("abc", EVENT) is True
    assert [outbox.record("abc", EVENT) for _ in range(3)] == [False] * 3
    claim = outbox.claim()
    assert claim is not None and claim.event == EVENT and claim.held_back == 3
    assert outbox.claim() is None  # leased: nobody else takes it


def test_window_starts_at_delivery(make_outbox: MakeOutbox, clock: FakeClock) -> None:
    """Repeats inside the window after a delivered email are held; after it, the next is queued."""
    outbox = make_outbox()
    outbox.record("abc", EVENT)
    clock.now += 1000  # a long outage: the window must not have started at the attempt
    claim = outbox.claim()
    assert claim is not None
    outbox.delivered(claim)
    clock.now += 60
    assert outbox.record("abc", EVENT) is False
    assert outbox.record("abc", EVENT) is False
    clock.now += WINDOW
    assert outbox.record("abc", EVENT) is True
    later = outbox.claim()
    assert later is not None and later.held_back == 2


def test_delivery_reports_only_what_it_carried(
    make_outbox: MakeOutbox, clock: FakeClock
) -> None:
    """A repeat counted while an email is being sent is kept for the next email."""
    outbox = make_outbox(window=10)
    outbox.record("abc", EVENT)
    outbox.record("abc", EVENT)
    claim = outbox.claim()
    assert claim is not None and claim.held_back == 1
    assert outbox.record("abc", EVENT) is False  # arrives mid-delivery: folded, not reported
    outbox.delivered(claim)
    assert outbox.pending() == []
    clock.now += 11
    assert outbox.record("abc", EVENT) is True
    later = outbox.claim()
    assert later is not None and later.held_back == 1


def test_failed_attempts_back_off_and_keep_the_email(
    make_outbox: MakeOutbox, clock: FakeClock
) -> None:
    """A failure reschedules the same email later, with the reason; then it can be claimed again."""
    outbox = make_outbox(retry=RetryPolicy(first_delay=10, max_delay=40))
    outbox.record("abc", EVENT)
    delays = []
    for attempt in range(4):
        claim = outbox.claim()
        assert claim is not None and claim.attempts == attempt
        assert outbox.failed(claim, "ConnectionRefusedError: refused") is False
        delays.append(outbox.seconds_until_due())
        assert outbox.claim() is None
        clock.now += 100
    assert delays == [10, 20, 40, 40]
    [pending] = outbox.pending()
    assert pending.attempts == 4 and pending.last_error == "ConnectionRefusedError: refused"
    assert pending.subject_hint == "unhandled_exception REQ-1"


def test_email_is_abandoned_after_the_retry_bound(
    make_outbox: MakeOutbox, clock: FakeClock
) -> None:
    """Past 24 hours of failures the email is dropped, and the next one reports it as held back."""
    outbox = make_outbox(retry=RetryPolicy())
    outbox.record("abc", EVENT)
    outbox.record("abc", EVENT)
    abandoned = False
    attempts = 0
    while not abandoned:
        claim = outbox.claim()
        assert claim is not None
        abandoned = outbox.failed(claim, "down")
        attempts += 1
        clock.now += outbox.retry.delay(attempts)
    assert outbox.pending() == []
    assert 24 * 3600 <= clock.now - 1_000_000.0 < 26 * 3600 and attempts > 40
    assert outbox.record("abc", EVENT) is True
    claim = outbox.claim()
    assert claim is not None and claim.held_back == 2  # the abandoned one and its repeat


def test_expired_lease_lets_another_process_send(
    make_outbox: MakeOutbox, clock: FakeClock
) -> None:
    """An email leased by a process that died is claimed by another once the lease runs out."""
    dead, alive = make_outbox(lease_seconds=60), make_outbox(lease_seconds=60)
    dead.record("abc", EVENT)
    assert dead.claim() is not None
    assert alive.claim() is None
    clock.now += 61
    claim = alive.claim()
    assert claim is not None and claim.event == EVENT


def test_zero_window_queues_every_occurrence(make_outbox: MakeOutbox) -> None:
    """ERROR_EMAIL_THROTTLE_SECONDS=0: every occurrence is its own email."""
    outbox = make_outbox(window=0)
    assert [outbox.record("abc", {**EVENT, "n": n}) for n in range(3)] == [True] * 3
    assert len(outbox.pending()) == 3


def _record_many(url: str, barrier: Any, results: Any) -> None:
    """In a child process: with the others, record 20 fingerprints three times each, in step."""
    outbox = Outbox(url, WINDOW)
    barrier.wait()
    results.put([(f"storm-{n}", outbox.record(f"storm-{n}", EVENT))
                 for n in range(20) for _ in range(3)])
    outbox.dispose()


def test_two_processes_queue_one_email_per_fingerprint(store: str) -> None:
    """Two processes racing on the same fingerprints: one email each, every repeat counted."""
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    workers = [context.Process(target=_record_many, args=(store, barrier, results))
               for _ in range(2)]
    for worker in workers:
        worker.start()
    decisions = [decision for _ in workers for decision in results.get(timeout=60)]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    queued = Counter(name for name, was_queued in decisions if was_queued)
    assert queued == {f"storm-{n}": 1 for n in range(20)}
    outbox = Outbox(store, WINDOW)
    try:
        held = Counter()
        while (claim := outbox.claim()) is not None:
            held[claim.fingerprint] = claim.held_back
        assert held == {f"storm-{n}": 5 for n in range(20)}
    finally:
        outbox.dispose()


def test_first_use_waits_out_another_writer_on_a_new_file(tmp_path: Path) -> None:
    """A worker that opens the file while another holds a write transaction still gets the
    write-ahead log and its tables (SQLite refuses that switch at once, without waiting)."""
    url = store_url("", tmp_path)
    path = url.removeprefix("sqlite:///")
    other_worker = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other_worker.execute("CREATE TABLE other_worker (n INTEGER)")
    other_worker.execute("BEGIN IMMEDIATE")
    other_worker.execute("INSERT INTO other_worker VALUES (1)")
    release = threading.Timer(0.3, other_worker.execute, args=("COMMIT",))
    release.start()
    outbox = Outbox(url, WINDOW)
    try:
        assert outbox.record("abc", EVENT)
    finally:
        outbox.dispose()
        release.join()  # the COMMIT call has returned: the connection is no longer in use
        other_worker.close()
    with closing(sqlite3.connect(path)) as later:
        assert later.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def _record_in_child(outbox: Outbox) -> None:
    """In a forked child: one record through the inherited outbox object, then exit."""
    outbox.record("child", EVENT)
    outbox.dispose()


def test_forks_during_busy_transactions_leave_children_working(tmp_path: Path) -> None:
    """Children forked while the parent's thread writes can write too (no inherited lock)."""
    outbox = Outbox(store_url("", tmp_path), WINDOW)
    stop = threading.Event()

    def keep_writing() -> None:
        while not stop.is_set():
            outbox.record("parent", EVENT)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    context = multiprocessing.get_context("fork")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # 3.12+: fork with threads
            children = [context.Process(target=_record_in_child, args=(outbox,))
                        for _ in range(8)]
            for child in children:
                child.start()
        for child in children:
            child.join(timeout=8)  # a child waiting on a phantom lock would still be busy
            assert child.exitcode == 0
    finally:
        stop.set()
        writer.join()
        outbox.dispose()


def test_settings_carry_the_resolved_database_url(tmp_path: Path) -> None:
    """The outbox follows the app's resolved SQLAlchemy URL, so it finds the server the app uses."""
    config = {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://app@db/microblog",
              "DATABASE_URL": "postgres://app@db/microblog"}
    settings = ObservabilitySettings.from_mapping(config, state_dir=tmp_path)
    assert store_url(settings.database_url, settings.state_dir) == config[
        "SQLALCHEMY_DATABASE_URI"]
