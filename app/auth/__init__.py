"""Authentication: register, log in, log out."""

from flask import Blueprint

from app.extensions import login

bp = Blueprint("auth", __name__)

# Pages behind @login_required send anonymous visitors here, with `?next=` back.
login.login_view = "auth.login"
login.login_message = "Please sign in to see this page."
login.login_message_category = "info"

from app.auth import routes, user_loader  # noqa: E402,F401  (they register on bp, login)
