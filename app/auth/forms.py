"""Forms for logging in and registering; their field names are part of the contract."""

from __future__ import annotations

import structlog
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from app.auth.usernames import EMAIL_TAKEN, USERNAME_TAKEN, username_syntax
from app.models import EMAIL_MAX, USERNAME_MAX, find_user, find_user_by_email

log = structlog.get_logger(__name__)

PASSWORD_MIN = 8
# Hashing is deliberately slow; a cap keeps a megabyte "password" from costing a worker.
PASSWORD_MAX = 128


class LoginForm(FlaskForm):
    """Username and password, with an optional long-lived session."""

    username = StringField("Username", validators=[DataRequired(), Length(max=USERNAME_MAX)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=PASSWORD_MAX)])
    remember_me = BooleanField("Remember me")
    submit = SubmitField("Sign in")


class RegistrationForm(FlaskForm):
    """A new account: a free username and email, and the password typed twice."""

    username = StringField("Username", validators=[DataRequired(), username_syntax])
    email = StringField(
        "Email",
        validators=[DataRequired(), Length(max=EMAIL_MAX), Email()],
        filters=[lambda value: value.strip().lower() if isinstance(value, str) else value],
    )
    password = PasswordField(
        "Password", validators=[DataRequired(), Length(min=PASSWORD_MIN, max=PASSWORD_MAX)]
    )
    password2 = PasswordField(
        "Repeat password",
        validators=[DataRequired(), EqualTo("password", message="The passwords do not match.")],
    )
    submit = SubmitField("Register")

    def validate_username(self, username: StringField) -> None:
        """The name is free (ignoring letter case); the database re-checks it at commit."""
        if find_user(username.data) is not None:
            log.info("username_conflict", username=username.data, during="registration",
                     race=False)
            raise ValidationError(USERNAME_TAKEN)

    def validate_email(self, email: StringField) -> None:
        """The address is not registered yet; the database re-checks it at commit."""
        if find_user_by_email(email.data) is not None:
            raise ValidationError(EMAIL_TAKEN)
