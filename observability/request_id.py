"""Request IDs: which incoming ones we honour, how fresh ones look, how quoted ones match."""

from __future__ import annotations

import os
import re

# Crockford's base32: no I, L, O or U, so an ID read over the phone has one spelling.
CROCKFORD_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_ACCEPTED = re.compile(r"[A-Za-z0-9._-]{1,128}")
# Letters people read for the digits they resemble: lookups read them as those digits.
CONFUSABLES = {"O": "0", "I": "1", "L": "1"}
_FOLD = str.maketrans(CONFUSABLES)
_GROUPS, _GROUP_LEN = 3, 5  # 15 symbols x 5 bits = 75 random bits


def is_acceptable(value: str | None) -> bool:
    """Whether an incoming X-Request-ID may be used as it is."""
    return value is not None and _ACCEPTED.fullmatch(value) is not None


def new_request_id() -> str:
    """A fresh ID like `7K3MQ-9XA2B-TR5WN`: 75 random bits, unique across hosts and processes."""
    # os.urandom, the source `secrets` reads, without importing `secrets` (~6 ms of start-up for
    # `microblog-logs`, which imports this module only to fold quoted IDs): 80 bits, 5 dropped.
    bits = int.from_bytes(os.urandom(10), "big") >> 5
    symbols = []
    for _ in range(_GROUPS * _GROUP_LEN):
        symbols.append(CROCKFORD_ALPHABET[bits & 31])
        bits >>= 5
    text = "".join(symbols)
    return "-".join(text[i : i + _GROUP_LEN] for i in range(0, len(text), _GROUP_LEN))


def choose_request_id(incoming: str | None) -> str:
    """The incoming ID when acceptable, otherwise a fresh one (the bad value is dropped)."""
    return incoming if incoming is not None and is_acceptable(incoming) else new_request_id()


def normalize_request_id(quoted: str) -> str:
    """Fold an ID as a person quoted it: case, dashes, spaces and O/0, I/L/1 confusions."""
    compact = "".join(ch for ch in quoted.upper() if ch not in "- \t")
    return compact.translate(_FOLD)
