"""The one rule for static-file endpoints, shared by the request log and the user's trail."""

from __future__ import annotations

import pytest

from observability.endpoints import is_static_endpoint


@pytest.mark.parametrize(("endpoint", "static"), [
    ("static", True), ("bootstrap.static", True), ("admin.static", True),
    ("main.index", False), ("main.static_page", False), ("staticky", False), ("", False),
    (None, False), (42, False),
])
def test_static_endpoints_are_the_app_and_blueprint_static_routes(endpoint: object,
                                                                  static: bool) -> None:
    """Flask's `static` and `<blueprint>.static` serve files; no other name (or None) does."""
    assert is_static_endpoint(endpoint) is static
