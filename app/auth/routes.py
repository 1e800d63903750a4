"""Routes for registering, logging in and logging out."""

from __future__ import annotations

import structlog
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from app.auth import bp
from app.auth.forms import LoginForm, RegistrationForm
from app.auth.redirects import is_safe_next
from app.auth.registration import register_user
from app.auth.throttle import account_fields, login_limits, record_login_failure
from app.models import find_user

log = structlog.get_logger(__name__)


@bp.route("/login", methods=["GET", "POST"])
@login_limits
def login() -> Response | str:
    """Sign in, then go to `?next=` when it is a local path, else home."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = find_user(form.username.data)
        if user is None or not user.check_password(form.password.data):
            record_login_failure()
            log.info("login_failed", **account_fields(user))
            flash("Invalid username or password.", "danger")
            return redirect(url_for("auth.login", next=_safe_next()))
        login_user(user, remember=form.remember_me.data)
        log.info("user_logged_in", username=user.username)
        return redirect(_safe_next() or url_for("main.index"))
    return render_template("auth/login.html", title="Sign in", form=form)


@bp.post("/logout")
def logout() -> Response:
    """End the session: a CSRF-protected POST (the navbar's button), so no link or image on
    another site can log a user out; harmless when nobody is logged in."""
    if current_user.is_authenticated:
        log.info("user_logged_out", username=current_user.username)
    logout_user()
    return redirect(url_for("main.index"))


@bp.route("/register", methods=["GET", "POST"])
def register() -> Response | str:
    """Create an account; a taken name or email is a form error, even under a race."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = RegistrationForm()
    if form.validate_on_submit() and register_user(form) is not None:
        flash("Congratulations, you are now a registered user! Please sign in.", "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/register.html", title="Register", form=form)


def _safe_next() -> str | None:
    """The `next` argument when it stays on this site, else None (open-redirect guard)."""
    target = request.args.get("next")
    return target if is_safe_next(target) else None
