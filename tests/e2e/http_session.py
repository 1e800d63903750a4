"""A cookie-keeping HTTP client for e2e tests: forms with their CSRF token, any status returned."""

from __future__ import annotations

import html
import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.message import Message

_CSRF_FIELD = re.compile(
    r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"'
)


@dataclass(frozen=True)
class Reply:
    """What came back: status, headers, decoded body, and the URL after redirects."""

    status: int
    headers: Message
    text: str
    url: str


class HttpSession:
    """A browser-like session against one server: keeps cookies, follows redirects."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.cookies = http.cookiejar.CookieJar()
        self._opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def get(self, path: str, headers: dict[str, str] | None = None) -> Reply:
        """GET a path; 4xx and 5xx are returned, not raised."""
        return self._send(urllib.request.Request(self.base_url + path, headers=headers or {}))

    def post(self, path: str, fields: dict[str, str]) -> Reply:
        """POST a urlencoded form."""
        body = urllib.parse.urlencode(fields).encode()
        return self._send(urllib.request.Request(self.base_url + path, data=body, method="POST"))

    def submit_form(self, path: str, fields: dict[str, str]) -> Reply:
        """GET the page, take its CSRF token, POST the fields with it (as a browser would)."""
        page = self.get(path)
        assert page.status == 200, page.text[:500]
        return self.post(path, {"csrf_token": csrf_token(page.text), **fields})

    def _send(self, request: urllib.request.Request) -> Reply:
        try:
            with self._opener.open(request, timeout=60) as response:
                return Reply(response.status, response.headers, _decode(response.read()),
                             response.url)
        except urllib.error.HTTPError as error:
            with error:
                return Reply(error.code, error.headers, _decode(error.read()), error.url)


def csrf_token(page: str) -> str:
    """The hidden csrf_token field's value in a rendered form."""
    match = _CSRF_FIELD.search(page)
    assert match is not None, "no csrf_token field on the page"
    return html.unescape(match.group(1) or match.group(2))


def _decode(body: bytes) -> str:
    return body.decode("utf-8", errors="replace")
