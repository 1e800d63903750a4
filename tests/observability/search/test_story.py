"""The timeline page's data: summary, offsets, frames folded into own and library runs."""

from __future__ import annotations

from observability.search.story import build_story, frame_runs, is_own_frame
from tests.logs_factory import EXPLORE_FRAMES, at, crash, event, request, zero_division


def test_own_frames_are_ours_not_librarys_or_pythons() -> None:
    """The deployed code is ours; site-packages and the standard library are not."""
    assert is_own_frame("/srv/microblog/app/main/routes.py")
    assert is_own_frame("/srv/microblog/observability/web/flask_integration.py")
    assert not is_own_frame("/srv/venv/lib/python3.11/site-packages/flask/app.py")
    assert not is_own_frame("/srv/venv/lib/python3.11/site-packages/app/x.py")
    assert not is_own_frame("/usr/lib/python3.11/threading.py")
    assert not is_own_frame("<frozen runpy>")
    assert is_own_frame("/srv/microblog/tests/e2e/apps/story_wsgi.py")


def test_frames_fold_into_runs() -> None:
    """Consecutive library frames form one run; each switch starts a new one."""
    library = EXPLORE_FRAMES[0]
    own = EXPLORE_FRAMES[1]
    runs = frame_runs([library, library, own, library])
    assert [(run.own, len(run.frames)) for run in runs] == [(False, 2), (True, 1), (False, 1)]


def test_build_story_summarises_and_offsets() -> None:
    """request_finished gives the summary; rows carry offsets from the first event."""
    events = [
        event(at(0), "info", "post_created", "R1", user_id=4, post_id=9),
        crash(at(0.001), "R1", "/index", 4, zero_division()),
        request(at(0.002), "R1", "POST", "/index", 500, 4, db_queries=3, db_ms=1.5,
                endpoint="main.index"),
    ]
    story = build_story(events)
    assert {key: story.summary[key] for key in ("method", "status", "db_queries", "endpoint",
                                                "user_id")} == {
        "method": "POST", "status": 500, "db_queries": 3, "endpoint": "main.index", "user_id": 4}
    assert [round(row.offset_ms or 0) for row in story.rows] == [0, 60, 120]
    assert [row.colour for row in story.rows] == ["info", "danger", "info"]
    assert "request_id" not in story.rows[0].fields and "post_id=9" in story.rows[0].fields
    assert [stack.title for stack in story.stacks] == ["ZeroDivisionError: division by zero"]
    assert story.breadcrumbs == ()
