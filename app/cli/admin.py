"""`flask admin grant|revoke|list`: the admin role is given by an operator, never claimed."""

from __future__ import annotations

import click
import sqlalchemy as sa
import structlog
from flask.cli import AppGroup

from app.extensions import db
from app.models import User, find_user

log = structlog.get_logger(__name__)

admin = AppGroup("admin", help="Grant, revoke and list the admin role (who may use /admin).")


def _user_or_fail(username: str) -> User:
    """The account named `username` (any letter case), or a clear error with exit status 1."""
    user = find_user(username)
    if user is None:
        raise click.ClickException(f"no user named {username!r}")
    return user


@admin.command("grant")
@click.argument("username")
def grant(username: str) -> None:
    """Give USERNAME the admin role: the /admin console and the Admin link."""
    user = _user_or_fail(username)
    if user.is_admin:
        click.echo(f"{user.username} is already an admin.")
        return
    user.is_admin = True
    db.session.commit()
    log.info("admin_granted", username=user.username, target_user_id=user.id)
    click.echo(f"{user.username} is now an admin.")


@admin.command("revoke")
@click.argument("username")
def revoke(username: str) -> None:
    """Take the admin role from USERNAME (effective on their next request)."""
    user = _user_or_fail(username)
    if not user.is_admin:
        click.echo(f"{user.username} is not an admin.")
        return
    user.is_admin = False
    db.session.commit()
    log.info("admin_revoked", username=user.username, target_user_id=user.id)
    click.echo(f"{user.username} is no longer an admin.")


@admin.command("list")
def list_admins() -> None:
    """Print the usernames holding the admin role, one per line."""
    names = db.session.scalars(
        sa.select(User.username).where(User.is_admin).order_by(sa.func.lower(User.username))
    ).all()
    for name in names:
        click.echo(name)
    if not names:
        click.echo("No admins. Grant the role with: flask --app wsgi admin grant USERNAME",
                   err=True)
