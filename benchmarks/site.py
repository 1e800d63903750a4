"""A real site to load: a SQLite file with one user and 20 posts, made through the public routes."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import urllib.parse
import urllib.request
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from benchmarks.core import PROJECT_ROOT
from benchmarks.procs import gunicorn
from benchmarks.wrk import USER_AGENT

POSTS = 20
USERNAME, PASSWORD = "bench", "bench-password-1"
_CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')
_VALUE = re.compile(r'value="([^"]+)"')


def app_env(db_path: Path, log_dir: Path, **extra: str) -> dict[str, str]:
    """The settings every benchmarked app server shares; a fixed key keeps one cookie valid.

    Host-shared state (the email throttle) goes next to the database, through a config file
    because STATE_DIR is read from files only: servers of one run must not throttle each other.
    """
    state = db_path.parent / "state"
    config = db_path.parent / "bench-config.yaml"
    config.write_text(f"STATE_DIR: {json.dumps(str(state))}\n", encoding="utf-8")
    return {"SECRET_KEY": "benchmark-secret-key", "DATABASE_URL": f"sqlite:///{db_path}",
            "LOG_DIR": str(log_dir), "MAIL_SERVER": "", "MICROBLOG_CONFIG": str(config), **extra}


@dataclass(frozen=True)
class SeededSite:
    """A database template with the user and posts, and that user's session cookie."""

    template: Path
    cookie: str  # "session=..." for wrk's -H "Cookie: ..."

    def fresh_db(self, dest: Path) -> Path:
        """A private copy, so a figure may break its database without harming the others."""
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.template, dest)
        return dest


def create_schema(db_path: Path, log_dir: Path) -> None:
    """`flask db upgrade`, as `make run` does; `db.create_all()` until migrations exist."""
    env = app_env(db_path, log_dir)
    if (PROJECT_ROOT / "migrations").is_dir():
        command = [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"]
    else:
        command = [sys.executable, "-c", "from app import create_app\nfrom app.extensions import db"
                   "\nwith create_app().app_context(): db.create_all()"]
    subprocess.run(command, cwd=PROJECT_ROOT, env={**os.environ, **env}, check=True,  # noqa: S603
                   capture_output=True, timeout=120)


class Browser:
    """Just enough of a browser: cookies, and the CSRF token scraped from each form page."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.opener.addheaders = [("User-Agent", USER_AGENT)]

    def get(self, path: str) -> str:
        """The page's HTML."""
        with self.opener.open(self.base_url + path, timeout=30) as response:
            return str(response.read().decode("utf-8"))

    def submit(self, path: str, fields: dict[str, str]) -> str:
        """GET the form, then POST it back with its CSRF token (redirects followed)."""
        tag = _CSRF.search(self.get(path))
        token = _VALUE.search(tag.group(0)) if tag else None
        if token is None:
            raise RuntimeError(f"no csrf_token in the form at {path}")
        body = urllib.parse.urlencode({**fields, "csrf_token": token.group(1)}).encode()
        with self.opener.open(self.base_url + path, data=body, timeout=30) as response:
            return str(response.read().decode("utf-8"))

    def cookie_header(self) -> str:
        """The session cookie, as a Cookie header value."""
        session = next((c for c in self.jar if c.name == "session"), None)
        if session is None or session.value is None:
            raise RuntimeError("logging in set no session cookie")
        return f"session={session.value}"


def seed_site(workdir: Path) -> SeededSite:
    """Register, log in and publish 20 posts over HTTP against a throwaway gunicorn."""
    template = workdir / "seed" / "template.db"
    template.parent.mkdir(parents=True, exist_ok=True)
    log_dir = workdir / "seed" / "logs"
    create_schema(template, log_dir)
    with gunicorn("wsgi:app", 1, app_env(template, log_dir), workdir / "seed") as server:
        browser = Browser(server.url)
        browser.submit("/register", {"username": USERNAME, "email": "bench@example.com",
                                     "password": PASSWORD, "password2": PASSWORD})
        browser.submit("/login", {"username": USERNAME, "password": PASSWORD})
        for number in range(1, POSTS + 1):
            browser.submit("/index", {"post": f"Benchmark post number {number}: hello there."})
        page = browser.get("/index")
        if "Benchmark post number" not in page:
            raise RuntimeError("the seeded posts do not show on /index")
        return SeededSite(template=template, cookie=browser.cookie_header())


def break_posts_table(db_path: Path) -> str:
    """A database outage for the feed: rename the posts table; /index then fails with a 500."""
    with closing(sqlite3.connect(db_path)) as connection, connection:
        tables = [row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")]
        posts: str = next(name for name in tables if name.lower() in {"post", "posts"})
        connection.execute(f'ALTER TABLE "{posts}" RENAME TO "{posts}_outage"')
    return posts
