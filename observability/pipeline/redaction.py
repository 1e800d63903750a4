"""One redaction policy for every sink: sensitive keys and configured secret values vanish.

It runs in the shared processor chain, after exceptions are structured (so messages inside
tracebacks are scrubbed too) and before any renderer, so the file, the console and the error
emails all see the same redacted event.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from structlog.typing import EventDict, WrappedLogger

REDACTED = "[REDACTED]"

# A configured secret shorter than this is not scrubbed from text: "x" or "ab" would erase
# those letters from every word of every line, and guessing them takes no log anyway.
MIN_SECRET_LENGTH = 4

# Substrings of key names whose values are secrets, matched case-insensitively anywhere in the
# key: `csrf_token`, `X-Session-Cookie`, `MAIL_PASSWORD`, `apiKey`...
SENSITIVE_KEY_PATTERN = re.compile(
    r"password|passwd|secret|token|csrf|session|cookie|authorization|api[_-]?key|private[_-]?key",
    re.IGNORECASE,
)

# structlog's bookkeeping inside ProcessorFormatter: the LogRecord itself, never rendered.
_PASSTHROUGH_KEYS = frozenset({"_record", "_from_structlog"})
# Values that are already JSON-native and hold no text to scrub (exact types: a subclass may
# have a `__str__` of its own, so it goes through `clean`).
_NATIVE_SCALARS = frozenset({int, float, bool, type(None)})
# Key verdicts `(sensitive, the key with secrets scrubbed)`, two of them shared objects so the
# per-field test is an identity check: `_HARMLESS` is any key that is neither sensitive nor
# holds a secret (the common case); `_PASSTHROUGH` is structlog's bookkeeping, left alone.
_HARMLESS = (False, "")
_PASSTHROUGH = (False, "_")
_MAX_REMEMBERED_KEYS = 4096  # keys built from data (dict payloads) must not grow memory forever


def is_sensitive_key(key: object) -> bool:
    """Whether a key names a value that must never be logged."""
    return SENSITIVE_KEY_PATTERN.search(str(key)) is not None


class Redactor:
    """Processor: redact sensitive keys (recursively) and scrub secret values from all text.

    Besides redacting, it leaves only JSON-native values behind (str, int, float, bool, None,
    dicts and lists): any other object is turned into its `str()` here, where it can still be
    scrubbed, instead of later in a renderer, where a secret inside it would slip through.
    """

    def __init__(self, secret_values: Iterable[str] = ()) -> None:
        # Longest first, so a secret that contains another is replaced whole.
        self._secrets = tuple(sorted(
            {value for value in secret_values if len(value) >= MIN_SECRET_LENGTH},
            key=len, reverse=True,
        ))
        # Key names come from code, so there are few of them: remember each verdict,
        # (is it sensitive, the key with secrets scrubbed), instead of matching every time.
        self._key_verdicts: dict[str, tuple[bool, str]] = {}

    def __call__(
        self, _logger: WrappedLogger, _method_name: str, event_dict: EventDict
    ) -> EventDict:
        """Redact the event in place (nested containers are copied, never mutated)."""
        verdicts = self._key_verdicts
        secrets = self._secrets
        renamed: list[tuple[str, str]] = []
        for key, value in event_dict.items():
            verdict = verdicts.get(key) or self._judge_key(key)
            if verdict is _HARMLESS:  # nearly every field: only its value needs a look
                kind = type(value)
                if kind is str:
                    # The search inline: a value holding no secret (nearly all) costs no call.
                    for secret in secrets:
                        if secret in value:
                            event_dict[key] = self.scrub(value)
                            break
                elif kind not in _NATIVE_SCALARS:
                    event_dict[key] = self.clean(value)
                continue
            if verdict is _PASSTHROUGH:
                continue
            sensitive, clean_key = verdict
            if sensitive:
                event_dict[key] = REDACTED
            elif type(value) is str:
                if self._secrets:
                    event_dict[key] = self.scrub(value)
            elif type(value) not in _NATIVE_SCALARS:
                event_dict[key] = self.clean(value)
            if clean_key != key:
                renamed.append((key, clean_key))
        for key, clean_key in renamed:  # a key that spells a secret keeps its value, renamed
            event_dict[clean_key] = event_dict.pop(key)
        return event_dict

    def is_sensitive(self, key: object) -> bool:
        """`is_sensitive_key`, memoised for the key names code keeps using."""
        text = str(key)
        return (self._key_verdicts.get(text) or self._judge_key(text))[0]

    def _judge_key(self, key: str) -> tuple[bool, str]:
        if key in _PASSTHROUGH_KEYS:
            verdict = _PASSTHROUGH
        else:
            sensitive, clean_key = is_sensitive_key(key), self.scrub(key)
            harmless = not sensitive and clean_key == key
            verdict = _HARMLESS if harmless else (sensitive, clean_key)
        if len(self._key_verdicts) < _MAX_REMEMBERED_KEYS:
            self._key_verdicts[key] = verdict
        return verdict

    def scrub(self, text: str) -> str:
        """`text` with every configured secret value replaced by the redaction marker."""
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text

    def clean(self, value: Any) -> Any:
        """A redacted, JSON-native copy of `value`."""
        if isinstance(value, str):
            return self.scrub(value) if self._secrets else value
        if value is None or isinstance(value, bool | int | float):
            return value
        if isinstance(value, dict):
            return {
                self.scrub(str(key)): REDACTED if self.is_sensitive(key) else self.clean(item)
                for key, item in value.items()
            }
        if isinstance(value, list | tuple | set | frozenset):
            return [self._clean_item(item) for item in value]
        return self.scrub(_safe_str(value))

    def _clean_item(self, item: Any) -> Any:
        """A list item; a `(name, value)` pair is treated like a key, as headers lists are."""
        if (
            isinstance(item, tuple)
            and len(item) == 2
            and isinstance(item[0], str)
            and self.is_sensitive(item[0])
        ):
            return [self.scrub(item[0]), REDACTED]
        return self.clean(item)


def _safe_str(value: object) -> str:
    """`str(value)`, or a placeholder when the object's `__str__` itself fails."""
    try:
        return str(value)
    except Exception as error:  # a broken __str__ must not break logging
        return f"<unprintable {type(value).__name__}: {type(error).__name__}>"
