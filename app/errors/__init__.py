"""Error pages for every HTTP error, each quoting the request ID."""

from flask import Blueprint

bp = Blueprint("errors", __name__)
