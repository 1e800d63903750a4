"""Werkzeug's ProxyFix, for a trusted reverse proxy: the client's address, scheme and host.

Behind nginx every request comes from the proxy's address over plain HTTP. ProxyFix takes the
real values from the X-Forwarded-* headers, but only as many hops as configured: trusting a
header that no proxy overwrites would let any client claim any address (and so dodge the
per-address login limit). Nothing is trusted by default.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

# Config key -> ProxyFix argument: the number of proxies trusted for that header.
PROXY_FIX_SETTINGS = {
    "PROXY_FIX_X_FOR": "x_for",
    "PROXY_FIX_X_PROTO": "x_proto",
    "PROXY_FIX_X_HOST": "x_host",
    "PROXY_FIX_X_PORT": "x_port",
    "PROXY_FIX_X_PREFIX": "x_prefix",
}


def init_app(app: Flask) -> None:
    """Wrap the WSGI app in ProxyFix when any PROXY_FIX_* setting trusts a proxy."""
    hops = {argument: int(app.config.get(key) or 0)
            for key, argument in PROXY_FIX_SETTINGS.items()}
    if any(hops.values()):
        app.wsgi_app = ProxyFix(app.wsgi_app, **hops)  # type: ignore[method-assign]
