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


def is_acceptable(value: str | None) -> bool:
    """Whether an incoming X-Request-ID may be used as it is."""
    return value is not None and _ACCEPTED.fullmatch(value) is not None


def new_request_id() -> str:
    """A fresh ID like `7K3MQ-9XA2B-TR5WN`: 75 random bits, unique across hosts and processes.

    The bits come from `os.urandom` (what `secrets` reads) for each ID: nothing is kept between
    calls, so a forked gunicorn worker never repeats its parent's IDs.
    """
    bits = int.from_bytes(os.urandom(10), "big") >> 5  # 80 random bits, 75 kept
    symbols = "".join(CROCKFORD_ALPHABET[bits >> shift & 31] for shift in range(70, -5, -5))
    return f"{symbols[:5]}-{symbols[5:10]}-{symbols[10:]}"


def choose_request_id(incoming: str | None) -> str:
    """The incoming ID when acceptable, otherwise a fresh one (the bad value is dropped)."""
    return incoming if incoming is not None and is_acceptable(incoming) else new_request_id()


def normalize_request_id(quoted: str) -> str:
    """Fold an ID as a person quoted it: case, dashes, spaces and O/0, I/L/1 confusions."""
    compact = "".join(ch for ch in quoted.upper() if ch not in "- \t")
    return compact.translate(_FOLD)
