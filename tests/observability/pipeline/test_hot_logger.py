"""HotLogger: the same calls on the wrapped logger as structlog's filtering bound logger."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import structlog
from structlog import DropEvent
from structlog.testing import CapturingLogger
from structlog.typing import EventDict, Processor

from observability.pipeline.hot_logger import HotLogger


def add_marker(_logger: Any, method_name: str, event_dict: EventDict) -> EventDict:
    """A processor that shows it ran, and with which method name."""
    event_dict["seen_as"] = method_name
    return event_dict


def drop_debug(_logger: Any, method_name: str, event_dict: EventDict) -> EventDict:
    """A processor that drops every event named 'drop me'."""
    if event_dict.get("event") == "drop me":
        raise DropEvent
    return event_dict


def as_args(_logger: Any, _method_name: str, event_dict: EventDict) -> tuple[Any, ...]:
    """A final processor returning (args, kwargs), as ours does."""
    return (event_dict,), {}


def both(processors: list[Processor], level: int = logging.INFO) -> tuple[Any, HotLogger,
                                                                          CapturingLogger,
                                                                          CapturingLogger]:
    """structlog's filtering bound logger and a HotLogger, each over its own capturing logger."""
    theirs, ours = CapturingLogger(), CapturingLogger()
    reference = structlog.make_filtering_bound_logger(level)(theirs, processors, {})
    return reference, HotLogger(ours, processors, level), theirs, ours


@pytest.mark.parametrize("final", [as_args, structlog.processors.JSONRenderer(),
                                   lambda _l, _m, event_dict: event_dict])
def test_same_calls_as_structlog(final: Processor) -> None:
    """Tuple, string and dict results reach the wrapped logger exactly as structlog passes them."""
    reference, hot, theirs, ours = both([add_marker, final])
    for logger in (reference, hot):
        logger.info("request_finished", status=200, path="/index")
        logger.error("failed", exc_info=False)
        logger.warning("slow", duration_ms=1.5)
        logger.critical("down")
    assert ours.calls == theirs.calls
    assert len(ours.calls) == 4


def test_below_the_level_nothing_runs() -> None:
    """Methods under the configured level neither process nor deliver anything."""
    reference, hot, theirs, ours = both([add_marker, as_args], level=logging.WARNING)
    for logger in (reference, hot):
        logger.debug("quiet")
        logger.info("quiet too")
        logger.warning("loud")
    assert ours.calls == theirs.calls
    assert [call.method_name for call in ours.calls] == ["warning"]


def test_drop_event_ends_the_event() -> None:
    """A processor raising DropEvent means no call on the wrapped logger, and no error."""
    reference, hot, theirs, ours = both([drop_debug, as_args], level=logging.DEBUG)
    for logger in (reference, hot):
        logger.debug("drop me")
        logger.debug("keep me")
    assert ours.calls == theirs.calls
    assert [call.args[0]["event"] for call in ours.calls] == ["keep me"]


def test_a_changed_shared_chain_applies_at_once() -> None:
    """The chain is held, not copied: a processor added later runs on the next event."""
    chain: list[Processor] = [as_args]
    capturing = CapturingLogger()
    hot = HotLogger(capturing, chain, logging.INFO)
    hot.info("before")
    chain.insert(0, add_marker)
    hot.info("after")
    assert [call.args[0].get("seen_as") for call in capturing.calls] == [None, "info"]


def test_an_unusable_final_result_is_an_error() -> None:
    """A chain ending in something that is no str, bytes, tuple or dict fails as structlog's."""
    hot = HotLogger(CapturingLogger(), [lambda _l, _m, _e: 42], logging.INFO)
    with pytest.raises(ValueError, match="Last processor"):
        hot.info("event")
