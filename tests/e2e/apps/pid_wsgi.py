"""The real app, each response naming the worker that served it (e2e tests only)."""

from __future__ import annotations

import os

from flask import Response

from app import create_app

app = create_app()


@app.after_request
def name_the_worker(response: Response) -> Response:
    """`X-Worker-Pid`: which gunicorn worker answered, so a test can see requests spread."""
    response.headers["X-Worker-Pid"] = str(os.getpid())
    return response
