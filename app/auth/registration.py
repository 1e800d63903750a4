"""Creating an account, with the database's unique constraints as the final word."""

from __future__ import annotations

import structlog
from sqlalchemy.exc import IntegrityError

from app.auth.forms import RegistrationForm
from app.auth.usernames import EMAIL_TAKEN, USERNAME_TAKEN
from app.extensions import db
from app.models import User, find_user, find_user_by_email

log = structlog.get_logger(__name__)


def register_user(form: RegistrationForm) -> User | None:
    """Create the user from a validated form; on a lost race, add the form error and return None."""
    user = User(username=form.username.data, email=form.email.data)
    user.set_password(form.password.data)
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:
        # Another request took the name or address between our check and our commit.
        db.session.rollback()
        _explain_conflict(form)
        return None
    log.info("user_registered", username=user.username, new_user_id=user.id)
    return user


def _explain_conflict(form: RegistrationForm) -> None:
    """Put the taken field's error on the form, as the validator would have."""
    username_taken = find_user(form.username.data) is not None
    email_taken = find_user_by_email(form.email.data) is not None
    if username_taken or not email_taken:
        form.username.errors = [*form.username.errors, USERNAME_TAKEN]
        log.info("username_conflict", username=form.username.data, during="registration", race=True)
    if email_taken:
        form.email.errors = [*form.email.errors, EMAIL_TAKEN]
