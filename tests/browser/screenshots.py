"""`make screenshots`: the README's pictures, by the browser tests' Chromium, of a seeded demo.

Three pages of a real gunicorn on a throwaway database filled by `flask seed`: the home feed,
a 500 page quoting its request ID (the posts table renamed away for a moment), and the admin
console's timeline of that very request. Run as `python -m tests.browser.screenshots [DIR]`.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import tempfile
from contextlib import closing
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

from app.cli.seed import DEMO_PASSWORD
from app.config import PROJECT_ROOT
from tests.browser.chromium import launch_chromium
from tests.e2e.gunicorn_server import GunicornServer, start_gunicorn

OUTPUT_DIR = PROJECT_ROOT / "docs" / "screenshots"
VIEWPORT = {"width": 1200, "height": 760}
ADMIN = "alice"
TIMEOUT_MS = 30_000


def _flask(server: GunicornServer, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**server.env, "LOG_DIR": str(server.work_dir / "cli-logs")}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args],
                          cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                          timeout=300, check=False)


def _make_admin(server: GunicornServer) -> None:
    """The admin role for the demo's first user, as an operator grants it (ADMINS grants none)."""
    granted = _flask(server, "admin", "grant", ADMIN)
    if granted.returncode != 0:
        raise RuntimeError(f"flask admin grant failed:\n{granted.stderr}")


def _rename(database: Path, old: str, new: str) -> None:
    with closing(sqlite3.connect(database)) as connection, connection:
        connection.execute(f'ALTER TABLE "{old}" RENAME TO "{new}"')


def _sign_in(page: Page) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(ADMIN)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/index")


def take_screenshots(browser: Browser, output_dir: Path, work_dir: Path) -> list[Path]:
    """Seed a fresh server, take the three pictures into `output_dir`, return their paths."""
    output_dir.mkdir(parents=True, exist_ok=True)
    server = start_gunicorn(work_dir)
    context = None
    try:
        seeded = _flask(server, "seed", "--users", "6", "--posts", "60")
        if seeded.returncode != 0:
            raise RuntimeError(f"flask seed failed:\n{seeded.stderr}")
        _make_admin(server)
        context = browser.new_context(base_url=server.base_url, viewport=VIEWPORT)  # type: ignore[arg-type]
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        _sign_in(page)
        if not page.get_by_role("link", name="Admin").is_visible():
            raise RuntimeError(f"the navbar shows no Admin link to {ADMIN}")
        shots = [output_dir / name for name in ("index.png", "error.png", "admin-request.png")]
        page.screenshot(path=shots[0])

        _rename(server.database, "post", "post_gone")  # a moment's outage: /index fails
        response = page.goto("/index")
        _rename(server.database, "post_gone", "post")
        if response is None or response.status != 500:
            raise RuntimeError("the outage did not produce a 500 page")
        request_id = response.headers["x-request-id"]
        page.screenshot(path=shots[1])

        timeline = page.goto(f"/admin/requests/{request_id}")
        if timeline is None or timeline.status != 200:
            raise RuntimeError(f"{ADMIN} cannot open the admin console (status "
                               f"{timeline.status if timeline else '-'})")
        page.screenshot(path=shots[2])
        return shots
    finally:
        if context is not None:
            context.close()
        server.stop()


def main() -> None:
    """Write the pictures to the folder named on the command line (docs/screenshots/)."""
    output_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT_DIR
    with (tempfile.TemporaryDirectory(prefix="microblog-screenshots-") as work_dir,
          sync_playwright() as playwright):
        browser = launch_chromium(playwright)
        try:
            for path in take_screenshots(browser, output_dir, Path(work_dir)):
                print(f"wrote {path} ({path.stat().st_size // 1024} KiB)")
        finally:
            browser.close()


if __name__ == "__main__":
    main()
