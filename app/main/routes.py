"""Routes of the main blueprint: the feed, explore, profiles, follows."""

from __future__ import annotations

import structlog
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.extensions import db
from app.main import bp
from app.main.feed import all_posts, author_posts, home_posts
from app.main.forms import EditProfileForm, EmptyForm, PostForm
from app.main.profiles import save_profile
from app.models import Post, find_user

log = structlog.get_logger(__name__)


@bp.route("/", methods=["GET", "POST"])
@bp.route("/index", methods=["GET", "POST"])
@login_required
def index() -> Response | str:
    """The home feed, with the form to publish a post (Post/Redirect/Get)."""
    form = PostForm()
    if form.validate_on_submit():
        post = Post(body=form.post.data, author=current_user)
        db.session.add(post)
        db.session.commit()
        log.info("post_created", post_id=post.id, length=len(post.body))
        flash("Your post is now live!", "success")
        return redirect(url_for("main.index"))
    posts = home_posts(current_user.id, *_page_and_size())
    return render_template(
        "index.html", title="Home", form=form, posts=posts, endpoint="main.index"
    )


@bp.route("/explore")
@login_required
def explore() -> str:
    """Everyone's posts, newest first."""
    posts = all_posts(*_page_and_size())
    return render_template("index.html", title="Explore", posts=posts, endpoint="main.explore")


@bp.route("/user/<username>")
@login_required
def user(username: str) -> str:
    """A profile: avatar, about me, last seen, counts, follow button and the user's posts."""
    profile = find_user(username) or abort(404)
    posts = author_posts(profile.id, *_page_and_size())
    return render_template(
        "user.html", title=profile.username, user=profile, posts=posts, form=EmptyForm(),
        endpoint="main.user", page_args={"username": profile.username},
    )


@bp.route("/edit_profile", methods=["GET", "POST"])
@login_required
def edit_profile() -> Response | str:
    """Change username and about me; a taken username is a form error, never a 500."""
    form = EditProfileForm(current_user.id)
    if form.validate_on_submit():
        if save_profile(current_user, form):
            flash("Your changes have been saved.", "success")
            return redirect(url_for("main.edit_profile"))
    elif request.method == "GET":
        form.username.data = current_user.username
        form.about_me.data = current_user.about_me
    return render_template("edit_profile.html", title="Edit profile", form=form)


@bp.post("/follow/<username>")
@login_required
def follow(username: str) -> Response:
    """Follow a user (a CSRF-protected POST form)."""
    return _change_following(username, follow=True)


@bp.post("/unfollow/<username>")
@login_required
def unfollow(username: str) -> Response:
    """Stop following a user (a CSRF-protected POST form)."""
    return _change_following(username, follow=False)


def _change_following(username: str, *, follow: bool) -> Response:
    """Shared body of follow and unfollow: 404 for an unknown user, no following yourself."""
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("main.index"))
    target = find_user(username) or abort(404)
    if target.id == current_user.id:
        flash("You cannot follow or unfollow yourself.", "warning")
        return redirect(url_for("main.user", username=target.username))
    if follow:
        current_user.follow(target)
        message, event = f"You are following {target.username}.", "user_followed"
    else:
        current_user.unfollow(target)
        message, event = f"You are not following {target.username}.", "user_unfollowed"
    db.session.commit()
    log.info(event, followed_username=target.username, followed_user_id=target.id)
    flash(message, "success")
    return redirect(url_for("main.user", username=target.username))


def _page_and_size() -> tuple[int, int]:
    """`?page=` (odd values mean 1; past the end is an empty page) and POSTS_PER_PAGE."""
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    return page, int(current_app.config.get("POSTS_PER_PAGE") or 25)
