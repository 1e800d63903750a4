"""Forms of the main blueprint: posting, editing a profile, and bare CSRF-carrying buttons."""

from __future__ import annotations

import structlog
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from app.auth.usernames import USERNAME_TAKEN, username_syntax
from app.models import ABOUT_ME_MAX, POST_MAX, find_user

log = structlog.get_logger(__name__)


class PostForm(FlaskForm):
    """A new post: 1 to 280 characters, not only whitespace."""

    post = TextAreaField("Say something", validators=[DataRequired(), Length(min=1, max=POST_MAX)])
    submit = SubmitField("Submit")


class EditProfileForm(FlaskForm):
    """A new username (free, or your own in any letter case) and an about-me text."""

    username = StringField("Username", validators=[DataRequired(), username_syntax])
    about_me = TextAreaField("About me", validators=[Length(max=ABOUT_ME_MAX)])
    submit = SubmitField("Submit")

    def __init__(self, user_id: int, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.user_id = user_id

    def validate_username(self, username: StringField) -> None:
        """The seed app's bug: it skipped this check and crashed at commit with a 500."""
        holder = find_user(username.data)
        if holder is not None and holder.id != self.user_id:
            log.info("username_conflict", username=username.data, during="edit_profile",
                     race=False)
            raise ValidationError(USERNAME_TAKEN)


class EmptyForm(FlaskForm):
    """Just a submit button: the follow and unfollow forms carry only their CSRF token."""

    submit = SubmitField("Submit")
