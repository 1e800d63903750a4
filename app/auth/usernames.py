"""The username rules, shared by registration and profile editing."""

from __future__ import annotations

import re

from wtforms import Field, Form
from wtforms.validators import ValidationError

from app.models import USERNAME_MAX

# ASCII only, on purpose: no look-alike letters from other scripts (a Cyrillic "a" in "alice"),
# no spaces or control characters, and one case-folding rule that every database agrees on.
# The first character is a letter or digit so that names like "." or ".." cannot be URL paths.
USERNAME_PATTERN = re.compile(rf"[A-Za-z0-9][A-Za-z0-9._-]{{0,{USERNAME_MAX - 1}}}")
USERNAME_RULE = (
    f"Use 1 to {USERNAME_MAX} characters: letters A to Z, digits, '.', '_' or '-', "
    "starting with a letter or digit."
)
USERNAME_TAKEN = "Please use a different username."
EMAIL_TAKEN = "Please use a different email address."


def is_valid_username(name: str) -> bool:
    """Whether `name` follows the username rules (it says nothing about availability)."""
    return USERNAME_PATTERN.fullmatch(name) is not None


def username_syntax(_form: Form, field: Field) -> None:
    """WTForms validator: the field holds a well-formed username."""
    if not is_valid_username(field.data or ""):
        raise ValidationError(USERNAME_RULE)
