"""The floor for app speed: the smallest Flask app, served by the same gunicorn as ours."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    """Hello, World: everything a request costs here is Flask + gunicorn, nothing of ours."""
    return "Hello, World!"
