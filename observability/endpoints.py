"""Which Flask endpoints serve static files: one rule for what is logged and what is told.

A static file (CSS, a script) is not a step of a user's story: the web integration logs its
request at debug, and the user's trail leaves it out. Flask names the app's static route
`static` and each blueprint's `<blueprint>.static`.
"""

from __future__ import annotations


def is_static_endpoint(endpoint: object) -> bool:
    """Whether `endpoint` (Flask's endpoint name, or None for an unmatched URL) serves files."""
    return isinstance(endpoint, str) and (endpoint == "static" or endpoint.endswith(".static"))
