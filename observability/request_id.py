"""Request IDs: which incoming ones we honour, how fresh ones look, how quoted ones match."""

from __future__ import annotations

import os
import re
from collections import deque

# Crockford's base32: no I, L, O or U, so an ID read over the phone has one spelling.
CROCKFORD_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_ACCEPTED = re.compile(r"[A-Za-z0-9._-]{1,128}")
# Letters people read for the digits they resemble: lookups read them as those digits.
CONFUSABLES = {"O": "0", "I": "1", "L": "1"}
_FOLD = str.maketrans(CONFUSABLES)


def is_acceptable(value: str | None) -> bool:
    """Whether an incoming X-Request-ID may be used as it is."""
    return value is not None and _ACCEPTED.fullmatch(value) is not None


def new_request_id() -> str:
    """A fresh ID like `7K3MQ-9XA2B-TR5WN`: 75 random bits, unique across hosts and processes."""
    try:
        bits = _random_pool.popleft()  # atomic: two threads never take the same value
    except IndexError:
        bits = _refill_random_pool()
    pairs = _SYMBOL_PAIRS
    text = (
        pairs[bits & 1023] + pairs[bits >> 10 & 1023] + pairs[bits >> 20 & 1023]
        + pairs[bits >> 30 & 1023] + pairs[bits >> 40 & 1023] + pairs[bits >> 50 & 1023]
        + pairs[bits >> 60 & 1023] + pairs[bits >> 70 & 1023]
    )  # 16 symbols from 80 bits; the 16th is dropped: 75 bits
    return f"{text[:5]}-{text[5:10]}-{text[10:15]}"


# Two symbols per 10 bits: 1,024 short strings, built once, make an ID in a few lookups.
_SYMBOL_PAIRS = [first + second for second in CROCKFORD_ALPHABET for first in CROCKFORD_ALPHABET]
# 80 random bits per ID, read from os.urandom (the source `secrets` reads, without importing
# `secrets`: ~6 ms of start-up for `microblog-logs`) for many IDs at once: one syscall per
# _IDS_PER_READ requests instead of one each. A forked child must never reuse its parent's
# unread values (gunicorn workers would hand out the same IDs): the pool is emptied in the child.
_IDS_PER_READ = 64
_random_pool: deque[int] = deque()
_fork_hook_installed = False


def _refill_random_pool() -> int:
    """Read random bits for a batch of IDs; return one of them, keep the rest in the pool."""
    global _fork_hook_installed  # once per process, on first use rather than at import
    if not _fork_hook_installed:
        os.register_at_fork(after_in_child=_random_pool.clear)
        _fork_hook_installed = True
    data = os.urandom(10 * _IDS_PER_READ)
    _random_pool.extend(int.from_bytes(data[i : i + 10], "big") for i in range(10, len(data), 10))
    return int.from_bytes(data[:10], "big")


def choose_request_id(incoming: str | None) -> str:
    """The incoming ID when acceptable, otherwise a fresh one (the bad value is dropped)."""
    return incoming if incoming is not None and is_acceptable(incoming) else new_request_id()


def normalize_request_id(quoted: str) -> str:
    """Fold an ID as a person quoted it: case, dashes, spaces and O/0, I/L/1 confusions."""
    compact = "".join(ch for ch in quoted.upper() if ch not in "- \t")
    return compact.translate(_FOLD)
