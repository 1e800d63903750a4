"""Fingerprints: one per exception type and place in our code, stable across hosts."""

from __future__ import annotations

from typing import Any

from observability.fingerprint import add_fingerprint, error_place, error_signature, fingerprint


def _event(exc_type: str, *frames: tuple[str, int, str]) -> dict[str, Any]:
    return {
        "event": "unhandled_exception",
        "exception": [{
            "exc_type": exc_type,
            "exc_value": "boom",
            "frames": [{"filename": f, "lineno": n, "name": name} for f, n, name in frames],
        }],
    }


LIBRARY = "/srv/.venv/lib/python3.11/site-packages/sqlalchemy/engine/base.py"


def test_place_is_the_innermost_frame_in_our_code() -> None:
    """A library frame below ours does not move the place: the bug is where our code called it."""
    event = _event(
        "OperationalError",
        ("/srv/.venv/lib/python3.11/site-packages/flask/app.py", 900, "dispatch"),
        ("/srv/microblog/app/main/routes.py", 42, "index"),
        (LIBRARY, 1900, "_execute"),
    )
    assert error_signature(event) == ("OperationalError", "app/main/routes.py:42 in index")


def test_same_error_on_two_hosts_has_one_fingerprint() -> None:
    """Checkouts in different folders give the same fingerprint for the same place."""
    here = _event("KeyError", ("/srv/a/microblog/app/models.py", 10, "load"))
    there = _event("KeyError", ("/home/deploy/current/app/models.py", 10, "load"))
    assert fingerprint(here) == fingerprint(there)
    assert len(fingerprint(here)) == 12


def test_type_and_place_both_distinguish() -> None:
    """Another exception type, or another line, is another error."""
    base = _event("KeyError", ("/x/app/models.py", 10, "load"))
    other_type = _event("ValueError", ("/x/app/models.py", 10, "load"))
    other_line = _event("KeyError", ("/x/app/models.py", 11, "load"))
    assert len({fingerprint(base), fingerprint(other_type), fingerprint(other_line)}) == 3


def test_only_library_frames_fall_back_to_the_innermost() -> None:
    """With no frame of ours, the innermost frame still names a place."""
    assert error_place([{"filename": LIBRARY, "lineno": 7, "name": "f"}]) == f"{LIBRARY}:7 in f"
    assert error_place([]) == "unknown place"


def test_errors_without_exception_group_by_message_shape() -> None:
    """Messages that differ only in numbers (pids) are one error; other messages are not."""
    first = {"event": "Worker (pid:123) was sent SIGKILL! Perhaps out of memory?"}
    second = {"event": "Worker (pid:98765) was sent SIGKILL! Perhaps out of memory?"}
    assert fingerprint(first) == fingerprint(second)
    assert fingerprint(first) != fingerprint({"event": "database_unreachable"})
    assert error_signature(first) == (first["event"], "no exception")  # shown as it was said


def test_processor_marks_only_errors() -> None:
    """The processor adds `fingerprint` to error and critical events and leaves others alone."""
    error = add_fingerprint(None, "error", {"event": "x"})
    info = add_fingerprint(None, "info", {"event": "x"})
    foreign = add_fingerprint(None, "log", {"event": "x", "level": "critical"})
    assert error["fingerprint"] == fingerprint({"event": "x"})
    assert "fingerprint" not in info
    assert "fingerprint" in foreign
