"""Errors in the logs grouped by fingerprint: what broke, where, how often, and for whom lately."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from observability.fingerprint import error_signature, fingerprint
from observability.search.query import Query
from observability.search.scan import LogEntry, ScanStats, search

LATEST_IDS = 5


@dataclass
class ErrorGroup:
    """Every logged occurrence of one error (same exception type, same place in our code)."""

    fingerprint: str
    kind: str
    place: str
    count: int
    first_seen: datetime
    last_seen: datetime
    message: str
    _recent_ids: deque[str] = field(default_factory=lambda: deque(maxlen=LATEST_IDS))

    @property
    def latest_request_ids(self) -> list[str]:
        """The last few distinct request IDs that hit this error, newest first."""
        return list(reversed(self._recent_ids))

    def add(self, entry: LogEntry) -> None:
        """Count one more occurrence."""
        self.count += 1
        self.first_seen = min(self.first_seen, entry.time)
        if entry.time >= self.last_seen:
            self.last_seen = entry.time
            self.message = _message(entry.event)
        request_id = entry.event.get("request_id")
        if isinstance(request_id, str) and request_id:
            if request_id in self._recent_ids:
                self._recent_ids.remove(request_id)
            self._recent_ids.append(request_id)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (times as ISO-8601 UTC)."""
        return {
            "fingerprint": self.fingerprint,
            "kind": self.kind,
            "place": self.place,
            "count": self.count,
            "first_seen": _iso(self.first_seen),
            "last_seen": _iso(self.last_seen),
            "message": self.message,
            "latest_request_ids": self.latest_request_ids,
        }


def _iso(when: datetime) -> str:
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _message(event: dict[str, Any]) -> str:
    stacks = event.get("exception")
    if isinstance(stacks, list) and stacks and isinstance(stacks[0], dict):
        return str(stacks[0].get("exc_value") or "")
    return str(event.get("error") or "")


def group_errors(entries: Iterable[LogEntry]) -> list[ErrorGroup]:
    """Groups of error events, the most recently seen first (entries may come in any order)."""
    groups: dict[str, ErrorGroup] = {}
    for entry in entries:
        event = entry.event
        key = str(event.get("fingerprint") or fingerprint(event))
        group = groups.get(key)
        if group is None:
            kind, place = error_signature(event)
            group = groups[key] = ErrorGroup(key, kind, place, 0, entry.time, entry.time, "")
        group.add(entry)
    return sorted(groups.values(), key=lambda group: group.last_seen, reverse=True)


def recent_errors(
    log_dir: Path | str,
    since: datetime | None = None,
    until: datetime | None = None,
    stats: ScanStats | None = None,
) -> list[ErrorGroup]:
    """Error-level events in the log files, grouped by fingerprint, newest group first."""
    query = Query(level="error", since=since, until=until)
    return group_errors(search(log_dir, query, stats))
