"""Saving a profile edit, where the database's unique index is the final word on names."""

from __future__ import annotations

import structlog
from sqlalchemy.exc import IntegrityError

from app.auth.usernames import USERNAME_TAKEN
from app.extensions import db
from app.main.forms import EditProfileForm
from app.models import User

log = structlog.get_logger(__name__)


def save_profile(user: User, form: EditProfileForm) -> bool:
    """Apply a validated form; on a lost race for the name, add the form error and return False."""
    old_username = user.username
    user.username = form.username.data
    user.about_me = form.about_me.data or None
    try:
        db.session.commit()
    except IntegrityError:
        # Someone took the name between the validator's check and this commit.
        db.session.rollback()
        form.username.errors = [*form.username.errors, USERNAME_TAKEN]
        log.info("username_conflict", username=form.username.data, during="edit_profile", race=True)
        return False
    log.info("profile_updated", old_username=old_username, username=user.username)
    return True
