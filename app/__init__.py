"""The Microblog application factory."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from app.config import load_config
from observability.web import flask_integration, sentry


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build an app: configuration, observability first, then extensions, blueprints, CLI."""
    instance_path = (config or {}).get("INSTANCE_PATH")  # tests and multi-app hosts move it
    app = flask_integration.ObservedFlask(
        __name__, instance_path=instance_path, instance_relative_config=True
    )
    load_config(app, config)
    flask_integration.init_app(app)
    sentry.init_sentry(app.config.get("SENTRY_DSN"), app.extensions["observability"])

    # models register their tables (the auth blueprint registers Flask-Login's user loader).
    from app import cli, extensions, models, templating  # noqa: F401
    from app.admin import bp as admin_bp
    from app.auth import bp as auth_bp
    from app.avatars import bp as avatars_bp
    from app.errors import bp as errors_bp
    from app.main import bp as main_bp
    from app.proxy import init_app as trust_proxy_headers

    extensions.db.init_app(app)
    extensions.migrate.init_app(app, extensions.db, directory=str(_migrations_dir()))
    extensions.login.init_app(app)
    extensions.csrf.init_app(app)
    extensions.bootstrap.init_app(app)
    extensions.limiter.init_app(app)
    templating.init_app(app)

    app.register_blueprint(errors_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(main_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(avatars_bp)
    cli.init_app(app)
    trust_proxy_headers(app)
    return app


def _migrations_dir() -> Any:
    from app.config import PROJECT_ROOT

    return PROJECT_ROOT / "migrations"
