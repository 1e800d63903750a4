"""What a log search asks for, checked once, plus the raw bytes any matching line must contain.

Shared by `flask logs` and the admin console so both accept and reject the same things.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from observability.request_id import is_acceptable, normalize_request_id

LEVELS = ("debug", "info", "warning", "error", "critical")
_LEVEL_RANK = {name: rank for rank, name in enumerate(LEVELS)}
_STATUS = re.compile(r"[1-5](?:\d\d|xx)", re.IGNORECASE)
_RELATIVE = re.compile(r"(\d+)\s*([smhdw])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_WILDCARDS = "*?["
_PLAIN_TEXT = re.compile(r"[ -~]*")  # printable ASCII: the same bytes in every JSON encoder


class QueryError(ValueError):
    """A search argument that cannot be used; the message says which and why."""


def parse_time(text: str, now: datetime | None = None) -> datetime:
    """`15m`, `2h`, `7d`, `1w`, `30s` ago, or an ISO-8601 time (UTC unless it names a zone)."""
    value = text.strip()
    relative = _RELATIVE.fullmatch(value.lower())
    if relative:
        ago = timedelta(**{_UNITS[relative[2]]: int(relative[1])})
        return (now or datetime.now(UTC)) - ago
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise QueryError(
            f"{text!r} is not a time: use ISO-8601 (2024-05-01T12:00:00Z) or 15m, 2h, 7d"
        ) from None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def level_rank(level: object) -> int:
    """Where a level sits in debug < info < warning < error < critical (-1 when unknown)."""
    return _LEVEL_RANK.get(str(level).lower(), -1)


def request_id_key(quoted: str) -> str:
    """The folded form of an ID as quoted, refusing text no request ID could ever be."""
    folded = normalize_request_id(quoted)
    if not folded or not is_acceptable(folded):
        raise QueryError(f"{quoted!r} is not a request ID (letters, digits, dashes, '.', '_')")
    return folded


def _is_glob(pattern: str) -> bool:
    return any(char in pattern for char in _WILDCARDS)


def _text_matches(pattern: str, value: object) -> bool:
    """Exact match, or a shell-style glob (`/user/*`) when the pattern has wildcards."""
    if not isinstance(value, str):
        return False
    return fnmatch.fnmatchcase(value, pattern) if _is_glob(pattern) else value == pattern


def _anchor(pattern: str) -> bytes | None:
    """The bytes a JSON line holding this string value must contain (None: nothing useful)."""
    literal = pattern
    if _is_glob(pattern):
        first_wildcard = min(index for index, char in enumerate(pattern) if char in _WILDCARDS)
        literal = pattern[:first_wildcard]
    if not literal or not _PLAIN_TEXT.fullmatch(literal) or '"' in literal or "\\" in literal:
        return None
    closing = b"" if _is_glob(pattern) else b'"'
    return b'"' + literal.encode("ascii") + closing


@dataclass(frozen=True)
class Query:
    """A search: every given filter must hold (level means 'this level or above')."""

    request_id: str | None = None
    level: str | None = None
    event: str | None = None
    user: str | None = None
    path: str | None = None
    status: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    slow: bool = False  # only requests slower than SLOW_REQUEST_MS (logged with `slow: true`)

    def __post_init__(self) -> None:
        if self.request_id is not None:
            request_id_key(self.request_id)
        if self.level is not None and level_rank(self.level) < 0:
            raise QueryError(f"unknown level {self.level!r}: use one of {', '.join(LEVELS)}")
        if self.status is not None and not _STATUS.fullmatch(self.status):
            raise QueryError(f"status {self.status!r} must be a code like 500 or a class like 5xx")
        for name in ("since", "until"):
            when = getattr(self, name)
            if when is not None and when.tzinfo is None:
                raise QueryError(f"{name} must be timezone-aware")
        if self.since and self.until and self.since > self.until:
            raise QueryError("since is later than until: nothing can match")

    @property
    def folded_request_id(self) -> str | None:
        """The request ID under the folding rules (case, dashes, O/0, I/L/1)."""
        return None if self.request_id is None else normalize_request_id(self.request_id)

    def matches(self, event: Mapping[str, Any], when: datetime) -> bool:
        """Whether a parsed event, logged at `when`, passes every filter."""
        if self.since is not None and when < self.since:
            return False
        if self.until is not None and when > self.until:
            return False
        if self.level is not None and level_rank(event.get("level")) < level_rank(self.level):
            return False
        if self.event is not None and not _text_matches(self.event, event.get("event")):
            return False
        if self.path is not None and not _text_matches(self.path, event.get("path")):
            return False
        if self.user is not None and str(event.get("user_id")) != self.user:
            return False
        if self.status is not None and not self._status_matches(event.get("status")):
            return False
        if self.slow and event.get("slow") is not True:
            return False
        if self.request_id is not None:
            logged = event.get("request_id")
            return isinstance(logged, str) and normalize_request_id(logged) == (
                self.folded_request_id
            )
        return True

    def _status_matches(self, status: object) -> bool:
        if isinstance(status, bool) or not isinstance(status, int | str):
            return False
        wanted = str(self.status).lower()
        text = str(status)
        return text[:1] == wanted[0] if wanted.endswith("xx") else text == wanted

    def required_bytes(self) -> list[tuple[bytes, ...]]:
        """Groups of byte strings: a matching line holds at least one of each group.

        The most selective group comes first; the request ID is handled separately (folded).
        """
        groups: list[tuple[bytes, ...]] = []
        for pattern in (self.path, self.event):
            anchor = None if pattern is None else _anchor(pattern)
            if anchor is not None:
                groups.append((anchor,))
        if self.level is not None and level_rank(self.level) >= _LEVEL_RANK["warning"]:
            wanted = [name for name in LEVELS if level_rank(name) >= level_rank(self.level)]
            groups.append(tuple(b'"' + name.encode() + b'"' for name in wanted))
        if self.status is not None and not self.status.lower().endswith("xx"):
            groups.append((self.status.encode(),))
        if self.user is not None and _PLAIN_TEXT.fullmatch(self.user):
            groups.append((self.user.encode(),))
        if self.slow:
            groups.insert(0, (b'"slow"',))  # rare: the best anchor there is
        return groups
