"""`flask seed`: demo users who follow each other, posts over days, idempotent, how to sign in."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from app.cli.seed import DEMO_PASSWORD, demo_usernames
from app.extensions import db
from app.models import Post, User, as_utc, find_user, followers, follows
from tests.app.helpers import MakeUser


def _counts(app: Flask) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(  # type: ignore[return-value]
            db.session.scalar(sa.select(sa.func.count()).select_from(table))
            for table in (User.__table__, Post.__table__, followers)
        )


def test_seed_creates_users_follows_and_posts_and_says_how_to_sign_in(
    app: Flask, runner: FlaskCliRunner
) -> None:
    """Three users, each following the two others, twelve posts, and the demo password printed."""
    result = runner.invoke(args=["seed", "--users", "3", "--posts", "12"])
    assert result.exit_code == 0, result.output
    assert f"password '{DEMO_PASSWORD}'" in result.output
    assert "Sign in as alice" in result.output
    assert _counts(app) == (3, 12, 6)
    with app.app_context():
        alice, bob = find_user("alice"), find_user("bob")
        assert alice is not None and bob is not None
        assert alice.check_password(DEMO_PASSWORD)
        assert follows(alice.id, bob.id) and follows(bob.id, alice.id)


def test_seed_spreads_posts_over_days_up_to_now(app: Flask, runner: FlaskCliRunner) -> None:
    """The posts span about two weeks, on many different days, none in the future."""
    assert runner.invoke(args=["seed", "--users", "2", "--posts", "30"]).exit_code == 0
    with app.app_context():
        times = [as_utc(moment) for moment in db.session.scalars(sa.select(Post.timestamp))]
    assert len({moment.date() for moment in times}) >= 10
    assert (max(times) - min(times)).days >= 12


def test_seed_twice_adds_nothing_and_more_extends(app: Flask, runner: FlaskCliRunner) -> None:
    """A second identical run adds nothing; larger numbers add only the difference."""
    runner.invoke(args=["seed", "--users", "3", "--posts", "10"])
    again = runner.invoke(args=["seed", "--users", "3", "--posts", "10"])
    assert "(0 new)" in again.output
    assert _counts(app)[:2] == (3, 10)
    more = runner.invoke(args=["seed", "--users", "4", "--posts", "14"])
    assert "4 users (1 new), 14 posts (4 new)" in more.output
    assert _counts(app)[:2] == (4, 14)


def test_seed_keeps_an_existing_accounts_password(app: Flask, runner: FlaskCliRunner,
                                                  make_user: MakeUser) -> None:
    """A person already named alice keeps her own password; the demo reuses the account."""
    make_user("alice")
    assert runner.invoke(args=["seed", "--users", "2", "--posts", "0"]).exit_code == 0
    with app.app_context():
        alice = find_user("alice")
        assert alice is not None and not alice.check_password(DEMO_PASSWORD)
    assert _counts(app)[0] == 2


def test_seed_with_one_user_follows_nobody(app: Flask, runner: FlaskCliRunner) -> None:
    """A lone demo user cannot follow anyone (not even themselves)."""
    assert runner.invoke(args=["seed", "--users", "1", "--posts", "2"]).exit_code == 0
    assert _counts(app) == (1, 2, 0)


def test_seed_refuses_nonsense_numbers(runner: FlaskCliRunner) -> None:
    """Zero users is a usage error that names the option."""
    result = runner.invoke(args=["seed", "--users", "0"])
    assert result.exit_code == 2
    assert "--users" in result.output


def test_demo_names_go_on_past_the_list() -> None:
    """Past the ten first names, the demo numbers them: alice2, bob2, …"""
    names = demo_usernames(12)
    assert names[:2] == ["alice", "bob"] and names[10:] == ["alice2", "bob2"]
    assert len(set(names)) == 12
