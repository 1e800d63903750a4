"""One rendering per record for every JSON sink: the file, the JSON console and the emails.

stdlib logging hands the same `LogRecord` to each handler in turn, in the thread that logged,
and each handler asks its formatter for the text. The JSON sinks share one formatter, so the
processor chain and python-json-logger run once per record: this formatter keeps the last
record it rendered in this thread (by weak reference, so a record is never kept alive) and
returns the same text when the next handler asks about that very record.
"""

from __future__ import annotations

import logging
import threading
import weakref


class RenderOnceFormatter(logging.Formatter):
    """A formatter shared by several handlers: the wrapped formatter runs once per record."""

    def __init__(self, formatter: logging.Formatter) -> None:
        super().__init__()
        self.formatter = formatter
        self._last = threading.local()

    def format(self, record: logging.LogRecord) -> str:
        """The wrapped formatter's text, rendered at the first handler that asks."""
        last = self._last
        previous = getattr(last, "record", None)
        if previous is not None and previous() is record:
            text: str = last.text
            return text
        text = self.formatter.format(record)
        last.record = weakref.ref(record)
        last.text = text
        return text
