"""Fingerprints: one per exception type and call path through our code, stable across hosts."""

from __future__ import annotations

from typing import Any

import pytest

from observability.fingerprint import (
    add_fingerprint,
    call_path,
    error_place,
    error_signature,
    fingerprint,
    frame_module,
)
from observability.pipeline.exceptions import structured_exception


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
FLASK = "/srv/.venv/lib/python3.11/site-packages/flask/app.py"

# Two views that read through one shared helper, as app/main/routes.py and app/main/feed.py do.
VIEWS = '''
def read(table):
    return {}[table]


def explore():
    return read("post")


def user():
    return read("post")
'''


def _raised_through(source: str, view: str, filename: str) -> dict[str, Any]:
    """The log event of the real exception that `view` in `source` (loaded as `filename`) raises."""
    namespace: dict[str, Any] = {}
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - our own test source
    with pytest.raises(KeyError) as caught:
        namespace[view]()
    return {"event": "unhandled_exception", "exception": structured_exception(caught.value)}


def test_two_views_failing_in_one_helper_are_two_groups() -> None:
    """The same KeyError in the shared helper, reached from two views, gives two fingerprints."""
    explore = _raised_through(VIEWS, "explore", "/srv/microblog/app/main/views.py")
    user = _raised_through(VIEWS, "user", "/srv/microblog/app/main/views.py")
    assert explore["exception"][0]["frames"][-1]["lineno"] == user["exception"][0]["frames"][-1][
        "lineno"]  # one failing line
    assert fingerprint(explore) != fingerprint(user)
    assert error_signature(explore) == ("KeyError", "app.main.views:explore > app.main.views:read")


def test_an_edit_that_only_moves_lines_keeps_the_group() -> None:
    """Lines added above the code move every line number but not the fingerprint."""
    before = _raised_through(VIEWS, "explore", "/srv/microblog/app/main/views.py")
    moved = "# a new comment\nimport os\n\n\n" + VIEWS
    after = _raised_through(moved, "explore", "/srv/microblog/app/main/views.py")
    assert before["exception"][0]["frames"][-1]["lineno"] != after["exception"][0]["frames"][-1][
        "lineno"]
    assert fingerprint(before) == fingerprint(after)


def test_renamed_function_is_another_group() -> None:
    """The call path names functions: a renamed view is a new group (its code changed)."""
    before = _raised_through(VIEWS, "explore", "/srv/microblog/app/main/views.py")
    renamed = VIEWS.replace("def explore", "def discover")
    after = _raised_through(renamed, "discover", "/srv/microblog/app/main/views.py")
    assert fingerprint(before) != fingerprint(after)


def test_library_frames_are_left_out_of_the_path() -> None:
    """Frames of Flask and SQLAlchemy around ours do not enter the call path."""
    event = _event(
        "OperationalError",
        (FLASK, 900, "dispatch"),
        ("/srv/microblog/app/main/routes.py", 42, "explore"),
        ("/srv/microblog/app/main/feed.py", 29, "_fetch"),
        (LIBRARY, 1900, "_execute"),
    )
    assert error_signature(event) == ("OperationalError",
                                      "app.main.routes:explore > app.main.feed:_fetch")


def test_same_error_on_two_hosts_has_one_fingerprint() -> None:
    """Checkouts in different folders, or an installed copy, give the same fingerprint."""
    here = _event("KeyError", ("/srv/a/microblog/app/models.py", 10, "load"))
    there = _event("KeyError", ("/home/deploy/current/app/models.py", 10, "load"))
    installed = _event("KeyError", ("/opt/venv/lib/python3.12/site-packages/app/models.py", 10,
                                    "load"))
    assert fingerprint(here) == fingerprint(there) == fingerprint(installed)
    assert len(fingerprint(here)) == 12


def test_type_distinguishes_but_line_does_not() -> None:
    """Another exception type is another error; another line in the same function is not."""
    base = _event("KeyError", ("/x/app/models.py", 10, "load"))
    other_type = _event("ValueError", ("/x/app/models.py", 10, "load"))
    other_line = _event("KeyError", ("/x/app/models.py", 11, "load"))
    assert fingerprint(base) != fingerprint(other_type)
    assert fingerprint(base) == fingerprint(other_line)


def test_recursion_depth_does_not_split_the_group() -> None:
    """Consecutive repeats of one function fold into one step of the path."""
    shallow = [{"filename": "/x/app/tree.py", "lineno": 5, "name": "walk"}] * 2
    deep = [{"filename": "/x/app/tree.py", "lineno": 5, "name": "walk"}] * 7
    assert call_path(shallow) == call_path(deep) == ["app.tree:walk"]


def test_module_names_come_from_the_path_below_our_package() -> None:
    """`__init__` names its package; a folder called like a package above ours is ignored."""
    assert frame_module("/home/app/src/app/main/__init__.py") == ("app.main", True)
    assert frame_module("/srv/m/observability/web/sentry.py") == ("observability.web.sentry", True)
    assert frame_module(LIBRARY) == ("sqlalchemy.engine.base", False)
    assert frame_module("/usr/lib/python3.12/json/decoder.py") == ("json.decoder", False)
    assert frame_module("/home/app/.pyenv/versions/3.12.1/lib/python3.12/socket.py") == (
        "socket", False)


def test_below_the_project_root_only_the_top_folder_decides() -> None:
    """`tests/observability/...` in our checkout is not our code; `app/...` there is."""
    assert frame_module("/srv/mb/tests/observability/test_x.py", project_root="/srv/mb") == (
        "tests.observability.test_x", False)
    assert frame_module("/srv/mb/app/main/feed.py", project_root="/srv/mb") == (
        "app.main.feed", True)
    assert frame_module(__file__)[1] is False  # this very test, in this checkout


def test_only_library_frames_fall_back_to_the_innermost() -> None:
    """With no frame of ours, the innermost frame still names a place, without its line."""
    assert error_place([{"filename": LIBRARY, "lineno": 7, "name": "f"}]) == (
        "sqlalchemy.engine.base:f")
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
