"""The durable outbox: error emails wait in shared state until an SMTP server accepted them.

One store serves both set-ups through SQLAlchemy Core (never the app's models): a SQLite file
in `STATE_DIR` for one host, or the app's own PostgreSQL database for several hosts
(outbox_store.py). The same tables hold the throttle, so "repeats within the window after a
*delivered* email" and "repeats while an email waits" are decided in the transaction that
queues an occurrence:

- no pending email for the fingerprint and the window since the last delivery is over: a new
  outbox row (the email to send);
- otherwise the occurrence is only counted (`held_back`), and the next email to go out says so.

A sender claims a due row with a lease (so two processes never send one email at once), and
either deletes it (delivered: the window starts now) or reschedules it with backoff, until the
retry bound abandons it.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, case, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from observability.mail.outbox_store import (
    ForkGuard,
    create_tables,
    make_engine,
    outbox_table,
    store_url,
    throttle_table,
)
from observability.mail.throttle import window_over
from observability.settings import ObservabilitySettings


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff between attempts, and how long an email is retried at all."""

    first_delay: float = 30.0
    max_delay: float = 30 * 60.0
    give_up_after: float = 24 * 3600.0

    def delay(self, attempts: int) -> float:
        """Seconds to wait after the `attempts`-th failed attempt."""
        return float(min(self.max_delay, self.first_delay * 2.0 ** max(0, attempts - 1)))


@dataclass(frozen=True)
class Claim:
    """A due email leased to one sender: the event to render and the count to report."""

    id: str
    fingerprint: str
    event: dict[str, Any]
    held_back: int
    attempts: int
    created: float
    owner: str


@dataclass(frozen=True)
class PendingEmail:
    """One outbox row, for `send-test-email` and the docs' troubleshooting."""

    fingerprint: str
    subject_hint: str
    created: float
    attempts: int
    next_attempt: float
    last_error: str | None


class Outbox:
    """Queued error emails and the per-fingerprint throttle, in one shared store."""

    def __init__(
        self,
        url: str,
        window_seconds: float,
        *,
        retry: RetryPolicy | None = None,
        lease_seconds: float = 120.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.url = url
        self.window_seconds = window_seconds
        self.retry = retry or RetryPolicy()
        self.lease_seconds = lease_seconds
        self._clock = clock  # wall clock: it must mean the same in every process and host
        self._engine: Engine | None = None
        self._pid = 0
        self._tables_ready = False
        self._fork_guard = ForkGuard()  # no fork while one of our transactions is open
        # The engine now, in the thread that builds us: it imports the database driver, which
        # must not happen for the first time in the sender thread while the app imports it too.
        self._engine_now()

    @property
    def shared_by_hosts(self) -> bool:
        """True when the store is a database server rather than this host's file."""
        return not self.url.startswith("sqlite")

    def describe(self) -> str:
        """Where the outbox lives, without a password."""
        if self.shared_by_hosts:
            return f"database {self._engine_now().url.render_as_string(hide_password=True)}"
        return self.url.removeprefix("sqlite:///")

    def _engine_now(self) -> Engine:
        # A forked child must not share the parent's connections (SQLAlchemy's pooling docs).
        if self._engine is None or self._pid != os.getpid():
            if self._engine is not None:
                self._engine.dispose(close=False)
            self._engine = make_engine(self.url)
            self._pid, self._tables_ready = os.getpid(), False
        return self._engine

    def _ready_engine(self) -> Engine:
        engine = self._engine_now()
        if not self._tables_ready:
            create_tables(engine)
            self._tables_ready = True
        return engine

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        with self._fork_guard, self._ready_engine().begin() as connection:
            yield connection

    def dispose(self) -> None:
        """Close this process's connections."""
        if self._engine is not None and self._pid == os.getpid():
            self._engine.dispose()
        self._engine = None

    # --- queueing -----------------------------------------------------------------------------

    @staticmethod
    def _lock_fingerprint(connection: Connection, fingerprint: str) -> float | None:
        """Create the throttle row if needed and lock it (the fingerprint's decisions serialise);
        when its last email was delivered."""
        insert = (postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert)
        connection.execute(insert(throttle_table).values(fingerprint=fingerprint, held_back=0)
                           .on_conflict_do_nothing(index_elements=["fingerprint"]))
        return connection.execute(
            select(throttle_table.c.last_delivered)
            .where(throttle_table.c.fingerprint == fingerprint).with_for_update()
        ).scalar()

    def record(self, fingerprint: str, event: dict[str, Any], *, also_held: int = 0) -> bool:
        """Queue an email for this occurrence, or count it as held back; True if queued."""
        with self._transaction() as connection:
            now = self._clock()  # read under the lock, or a waiter's "now" predates the holder's
            last_delivered = self._lock_fingerprint(connection, fingerprint)
            pending = self.window_seconds > 0 and connection.execute(
                select(outbox_table.c.id).where(outbox_table.c.fingerprint == fingerprint)
                .limit(1)
            ).first() is not None
            quiet = last_delivered is not None and not window_over(last_delivered, now,
                                                                    self.window_seconds)
            if pending or quiet:
                self._add_held(connection, fingerprint, 1 + also_held)
                return False
            if also_held:
                self._add_held(connection, fingerprint, also_held)
            connection.execute(outbox_table.insert().values(
                id=uuid.uuid4().hex, fingerprint=fingerprint, event=orjson.dumps(event).decode(),
                created=now, attempts=0, next_attempt=now,
            ))
            return True

    @staticmethod
    def _add_held(connection: Connection, fingerprint: str, count: int) -> None:
        connection.execute(update(throttle_table)
                           .where(throttle_table.c.fingerprint == fingerprint)
                           .values(held_back=throttle_table.c.held_back + count))

    # --- delivering ---------------------------------------------------------------------------

    def claim(self) -> Claim | None:
        """Lease the oldest due email to this caller, or None when nothing is due."""
        with self._transaction() as connection:
            now = self._clock()
            row = connection.execute(
                select(outbox_table)
                .where(outbox_table.c.next_attempt <= now)
                .where((outbox_table.c.lease_until.is_(None))
                       | (outbox_table.c.lease_until < now))
                .order_by(outbox_table.c.next_attempt).limit(1)
                .with_for_update(skip_locked=True)
            ).first()
            if row is None:
                return None
            owner = uuid.uuid4().hex
            connection.execute(update(outbox_table).where(outbox_table.c.id == row.id)
                               .values(lease_owner=owner, lease_until=now + self.lease_seconds))
            held = connection.execute(
                select(throttle_table.c.held_back)
                .where(throttle_table.c.fingerprint == row.fingerprint)
            ).scalar()
            return Claim(id=row.id, fingerprint=row.fingerprint, event=orjson.loads(row.event),
                         held_back=int(held or 0), attempts=row.attempts, created=row.created,
                         owner=owner)

    def delivered(self, claim: Claim) -> None:
        """The server accepted the email: forget it, and start the fingerprint's window now."""
        with self._transaction() as connection:
            now = self._clock()
            connection.execute(delete(outbox_table).where(outbox_table.c.id == claim.id))
            connection.execute(
                update(throttle_table).where(throttle_table.c.fingerprint == claim.fingerprint)
                .values(last_delivered=now, held_back=case(
                    (throttle_table.c.held_back > claim.held_back,
                     throttle_table.c.held_back - claim.held_back), else_=0))
            )
            # A row past its window with nothing held back means the same as no row.
            connection.execute(delete(throttle_table).where(
                throttle_table.c.last_delivered < now - self.window_seconds,
                throttle_table.c.held_back == 0,
            ))

    def failed(self, claim: Claim, reason: str) -> bool:
        """Reschedule after a failed attempt; True when the retry bound is reached (abandoned)."""
        with self._transaction() as connection:
            now = self._clock()
            attempts = claim.attempts + 1
            if now - claim.created >= self.retry.give_up_after:
                connection.execute(delete(outbox_table).where(outbox_table.c.id == claim.id))
                # The lost occurrence is reported by the next email that gets through.
                self._add_held(connection, claim.fingerprint, 1)
                return True
            connection.execute(
                update(outbox_table)
                .where(outbox_table.c.id == claim.id, outbox_table.c.lease_owner == claim.owner)
                .values(attempts=attempts, next_attempt=now + self.retry.delay(attempts),
                        last_error=reason, lease_owner=None, lease_until=None)
            )
            return False

    def seconds_until_due(self) -> float | None:
        """How long until the next email may be attempted (0: now), or None when none waits."""
        with self._transaction() as connection:
            due = connection.execute(select(func.min(func.coalesce(
                outbox_table.c.lease_until, outbox_table.c.next_attempt)))).scalar()
            return None if due is None else max(0.0, float(due) - self._clock())

    def pending(self) -> list[PendingEmail]:
        """Every waiting email, oldest first."""
        with self._transaction() as connection:
            rows = connection.execute(select(outbox_table).order_by(outbox_table.c.created)).all()
        return [PendingEmail(fingerprint=row.fingerprint, subject_hint=_hint(row.event),
                             created=row.created, attempts=row.attempts,
                             next_attempt=row.next_attempt, last_error=row.last_error)
                for row in rows]


def default_outboxes(settings: ObservabilitySettings, deadline: float) -> list[Outbox]:
    """The shared outbox, and this host's file as a fallback when the shared one is a server."""
    window = settings.error_email_throttle_seconds
    lease = deadline * 2 + 10  # an attempt still running is never taken over
    primary = Outbox(store_url(settings.database_url, settings.state_dir), window,
                     lease_seconds=lease)
    if not primary.shared_by_hosts:
        return [primary]
    return [primary, Outbox(store_url("", settings.state_dir), window, lease_seconds=lease)]


def _hint(event_json: str) -> str:
    """A short description of a queued event: its name and request ID."""
    try:
        event = orjson.loads(event_json)
    except orjson.JSONDecodeError:
        return "(unreadable event)"
    return " ".join(str(part) for part in (event.get("event"), event.get("request_id")) if part)
