"""RenderOnceFormatter: one rendering per record, shared by every handler that asks."""

from __future__ import annotations

import io
import logging

from observability.pipeline.render_once import RenderOnceFormatter


class CountingFormatter(logging.Formatter):
    """A plain formatter that counts how often it really formats."""

    def __init__(self) -> None:
        super().__init__("%(message)s")
        self.calls = 0

    def format(self, record: logging.LogRecord) -> str:
        self.calls += 1
        return f"{super().format(record)} #{self.calls}"


def logger_with_two_sinks(formatter: logging.Formatter) -> tuple[logging.Logger, list[io.StringIO]]:
    """A private logger whose two stream handlers share `formatter`."""
    logger = logging.getLogger(f"render-once-{id(formatter)}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    streams = [io.StringIO(), io.StringIO()]
    for stream in streams:
        handler = logging.StreamHandler(stream)
        handler.setFormatter(formatter)
        logger.addHandler(handler)
    return logger, streams


def test_two_sinks_get_one_rendering_of_a_record() -> None:
    """Both handlers write the same text, and the wrapped formatter ran once for the record."""
    inner = CountingFormatter()
    logger, streams = logger_with_two_sinks(RenderOnceFormatter(inner))
    logger.info("hello")
    assert [stream.getvalue() for stream in streams] == ["hello #1\n", "hello #1\n"]
    assert inner.calls == 1


def test_each_new_record_is_rendered_afresh() -> None:
    """A second record never gets the first one's text."""
    inner = CountingFormatter()
    logger, streams = logger_with_two_sinks(RenderOnceFormatter(inner))
    logger.info("one")
    logger.info("two")
    assert streams[0].getvalue() == "one #1\ntwo #2\n"
    assert streams[1].getvalue() == "one #1\ntwo #2\n"
    assert inner.calls == 2
