"""`flask seed`: demo users who follow each other and posts spread over the past two weeks.

Idempotent: the demo is a fixed list (user k, numbered post i), so running it again adds only
what is missing, and a larger `--users`/`--posts` extends it. Existing accounts keep their
passwords.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from app.extensions import db
from app.models import Post, User, find_user, utcnow

DEMO_PASSWORD = "microblog-demo"  # noqa: S105 (printed on purpose: the demo's known password)
SPREAD = timedelta(days=14)
FOLLOWS_PER_USER = 2
_NAMES = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy")
_OPENINGS = ("Just shipped", "Reading about", "Thinking about", "Finally fixed", "Sketching",
             "Learning", "Arguing with myself about", "Drawing a diagram of", "Benchmarking",
             "Writing docs for")
_TOPICS = ("request IDs", "structured logging", "a flaky test", "SQLite's WAL mode",
           "error emails", "gunicorn workers", "a tiny Flask app", "jq one-liners",
           "log rotation", "the admin console", "CSRF tokens", "trace context")
_ENDINGS = (".", "!", " today.", ", again.", " - more soon.", " and it works.", "?")


@dataclass(frozen=True)
class SeedReport:
    """What a run found and added."""

    usernames: list[str]
    new_users: int
    posts: int
    new_posts: int


def demo_usernames(count: int) -> list[str]:
    """The first `count` demo names: alice … judy, then alice2 … judy2, and so on."""
    return [_NAMES[k % len(_NAMES)] + (str(k // len(_NAMES) + 1) if k >= len(_NAMES) else "")
            for k in range(count)]


def demo_post(number: int, total: int, authors: int, now: datetime) -> tuple[int, str, datetime]:
    """Post `number` of `total`: its author's index, text and time (oldest first, to now)."""
    rng = random.Random(number)  # noqa: S311 (demo text, not security)
    body = f"{rng.choice(_OPENINGS)} {rng.choice(_TOPICS)}{rng.choice(_ENDINGS)} (#{number + 1})"
    age = SPREAD * (total - number - rng.random()) / total
    return number % authors, body, now - age


def _demo_users(usernames: list[str]) -> tuple[list[User], int]:
    users, created = [], 0
    for name in usernames:
        user = find_user(name)
        if user is None:
            user = User(username=name, email=f"{name}@example.com",
                        about_me=f"{name.capitalize()} is a demo user made by `flask seed`.")
            user.set_password(DEMO_PASSWORD)
            db.session.add(user)
            created += 1
        users.append(user)
    db.session.flush()
    return users, created


def seed_demo(user_count: int, post_count: int, now: datetime | None = None) -> SeedReport:
    """Create whatever of the demo is missing (users, follows, posts) and commit."""
    now = now or utcnow()
    usernames = demo_usernames(user_count)
    users, new_users = _demo_users(usernames)
    for index, user in enumerate(users):
        for step in range(1, min(FOLLOWS_PER_USER, len(users) - 1) + 1):
            user.follow(users[(index + step) % len(users)])
    existing = set(db.session.scalars(  # each demo text is numbered, so it is the key
        sa.select(Post.body).where(Post.user_id.in_([user.id for user in users]))))
    new_posts = 0
    for number in range(post_count):
        author, body, moment = demo_post(number, post_count, len(users), now)
        if body not in existing:
            db.session.add(Post(body=body, timestamp=moment, user_id=users[author].id))
            new_posts += 1
    db.session.commit()
    return SeedReport(usernames, new_users, post_count, new_posts)


@click.command("seed")
@click.option("--users", "user_count", type=click.IntRange(1, 1000), default=5,
              show_default=True, help="How many demo users.")
@click.option("--posts", "post_count", type=click.IntRange(0, 100_000), default=60,
              show_default=True, help="How many demo posts, spread over the past two weeks.")
@with_appcontext
def seed(user_count: int, post_count: int) -> None:
    """Add demo users who follow each other, and their posts (running it again adds nothing)."""
    report = seed_demo(user_count, post_count)
    click.echo(f"Demo data: {len(report.usernames)} users ({report.new_users} new), "
               f"{report.posts} posts ({report.new_posts} new), each user following "
               f"{min(FOLLOWS_PER_USER, len(report.usernames) - 1)} others.")
    others = ", ".join(report.usernames[1:4]) + (", …" if len(report.usernames) > 4 else "")
    click.echo(f"Sign in as {report.usernames[0]}" + (f" (or {others})" if others else "")
               + f" with the password {DEMO_PASSWORD!r}: make run, then open "
               "http://127.0.0.1:5000/login")
