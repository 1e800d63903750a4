"""The real app plus two routes that fail on purpose, served by gunicorn in e2e tests only."""

from __future__ import annotations

import time

from flask import request

from app import create_app

app = create_app()


@app.get("/_e2e/crash")
def crash() -> str:
    """An unhandled exception in a view: the app's 500 path."""
    raise RuntimeError("deliberate e2e crash")


@app.get("/_e2e/sleep")
def sleep() -> str:
    """A view slower than gunicorn's --timeout: the master aborts the worker."""
    time.sleep(float(request.args.get("seconds", "60")))
    return "woke up"
