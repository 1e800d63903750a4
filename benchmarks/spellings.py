"""Every spelling of a request ID that our lookups accept, as a regex other tools can run.

`normalize_request_id` folds case, drops dashes and reads the letters of `CONFUSABLES` as the
digits they resemble, so a typo-tolerant search with a plain regex tool has to spell all of that
out. The regex is built from the same table, so it follows the fold if the fold changes.
"""

from __future__ import annotations

import re

from observability.request_id import CONFUSABLES, normalize_request_id

DASHES = "-*"  # the fold drops every dash, wherever it stands


def _spellings_of(folded: str) -> list[str]:
    """The characters a logged ID may hold where the folded ID holds `folded`, sorted."""
    letters = [letter for letter, digit in CONFUSABLES.items() if digit == folded]
    return sorted({folded, folded.lower(), *letters, *(letter.lower() for letter in letters)})


def _character_class(folded: str) -> str:
    spellings = _spellings_of(folded)
    return re.escape(spellings[0]) if len(spellings) == 1 else (
        "[" + "".join(re.escape(ch) for ch in spellings) + "]")


def any_spelling_pattern(quoted: str) -> str:
    """A regex (Python `re`, ripgrep and `grep -E` alike) for the `request_id` field of a JSON
    line holding any spelling of `quoted` that the fold reads as the same ID."""
    value = DASHES + "".join(_character_class(ch) + DASHES for ch in normalize_request_id(quoted))
    return r'"request_id":\s*"' + value + '"'


def with_typos(canonical: str) -> str:
    """How a person might quote `canonical`: lower case, each digit as the letter it resembles."""
    letter_for: dict[str, str] = {}
    for letter, digit in CONFUSABLES.items():
        letter_for.setdefault(digit, letter.lower())
    return "".join(letter_for.get(ch, ch.lower()) for ch in canonical)
