"""Every command the README and docs/ print runs as written, from the project root, unactivated.

Each command line of a ```sh/```bash/```console block is classified by what it is and checked
the way that kind can be checked here: log readers and jq run against a log the app really
wrote; other `flask --app wsgi` commands run against a throwaway SQLite database; `make`
targets must exist (`make -n`, so long-running ones are not started); the development SMTP
server starts briefly. Whatever fits no class, and any bare `flask` or `microblog-logs` (which
needs an activated virtualenv), fails with its file and line, unless ALLOWED names it with the
reason it is not run here. Commands run with a PATH that does not hold .venv/bin.
"""

from __future__ import annotations

import logging
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest
from werkzeug.security import generate_password_hash

from app import create_app
from app.extensions import db
from app.models import User
from observability.logging_setup import remove_installed_handlers
from observability.mail.render import render_error_email
from tests.e2e.story_log import PASSWORD, STORY_ID, add_crash_route, story_app
from tests.smtp_server import HOST, SMTPServer, free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
# docs/benchmarks.md is left out: `make bench` writes it, and its shell blocks record what one run
# executed (its scratch paths and ports); the commands to run a figure are in its tables.
GENERATED = {ROOT / "docs" / "benchmarks.md"}
DOCUMENTS = [ROOT / "README.md",
             *sorted(path for path in (ROOT / "docs").glob("*.md") if path not in GENERATED)]
SHELL_FENCES = {"sh", "bash", "console"}
FENCE = re.compile(r"^\s*```(?P<lang>[\w-]*)\s*$")
COMMENT = re.compile(r"\s+#(?:\s|$)")
ALTERNATIVE = re.compile(r"#\s*or:\s*(?P<command>.+)$")
ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
# Blocks tested as a whole by another module: their first line names them.
BLOCK_TESTS = {"recipe": ROOT / "tests" / "e2e" / "test_jq_cookbook.py",
               "lnav": ROOT / "tests" / "e2e" / "test_lnav_format.py"}
BLOCK_NAME = re.compile(r"#\s*(?P<kind>recipe|lnav):\s*(?P<name>[\w-]+)\s*$")

# The IDs the docs use as examples; the generated log holds STORY_ID (any spelling finds it).
PLACEHOLDERS = {"<id>": STORY_ID, "<request-id>": STORY_ID, "TQYN4-X3T9W-83B0Z": STORY_ID}

# Commands not run here, each with the reason. A key is the command as the doc prints it
# (without its trailing comment); an entry no document uses any more fails the test.
ALLOWED = {
    "export SECRET_KEY=...": "production recipe: a placeholder value for the deploy's environment",
    "export DATABASE_URL=postgresql+psycopg://microblog:...@db.internal/microblog":
        "production recipe: names a production database server",
    "export SESSION_COOKIE_SECURE=true REMEMBER_COOKIE_SECURE=true PROXY_FIX_X_FOR=1":
        "production recipe: settings for the deploy's environment",
    "export RATELIMIT_STORAGE_URI=redis://redis.internal:6379":
        "production recipe: names a production Redis server",
    "pip install '.[postgres,redis]'":
        "production recipe: installs into the deploy's own activated virtualenv (network)",
    "pip install '.[postgres]'":
        "production recipe: installs into the deploy's own activated virtualenv (network)",
    "flask --app wsgi db upgrade":
        "production recipe: in the deploy's activated virtualenv, against production PostgreSQL"
        " (the same command under .venv/bin runs in test_flask_command_runs)",
    "flask --app wsgi admin grant alice":
        "production recipe: in the deploy's activated virtualenv, against production PostgreSQL"
        " (the .venv/bin spelling runs in test_flask_command_runs)",
    "gunicorn --config gunicorn.conf.py wsgi:app":
        "production recipe: in the deploy's activated virtualenv; `make serve` runs the same"
        " (its target is checked with make -n)",
    "DATABASE_URL=postgresql+psycopg://microblog:PASSWORD@db.internal:5432/microblog":
        "a setting for the production environment file, not a command",
    ".venv/bin/pip install -e '.[redis]'": "installs an optional extra from the network",
    ".venv/bin/pip install -e '.[sentry]'": "installs an optional extra from the network",
}


@dataclass(frozen=True)
class DocCommand:
    """One command as a document prints it: where, and the text to paste into a shell."""

    document: Path
    line: int
    text: str
    block_name: tuple[str, str] | None = None  # ("recipe", name) for a whole named block

    @property
    def where(self) -> str:
        return f"{self.document.relative_to(ROOT)}:{self.line}"

    @property
    def words(self) -> list[str]:
        """The command's words after any leading `NAME=value` assignments."""
        words = shlex.split(self.text)
        while words and ASSIGNMENT.match(words[0]):
            words.pop(0)
        return words

    @property
    def assignments(self) -> dict[str, str]:
        """The leading `NAME=value` words, as the environment they set."""
        found = {}
        for word in shlex.split(self.text):
            if not ASSIGNMENT.match(word):
                break
            name, _, value = word.partition("=")
            found[name] = value
        return found


def _strip_comment(text: str) -> str:
    match = COMMENT.search(text)
    return text[: match.start()] if match else text


def _complete(text: str) -> bool:
    """True when `text` is a whole shell command (quotes closed, no continuation)."""
    if text.rstrip().endswith(("\\", "|")):
        return False
    try:
        shlex.split(text)
    except ValueError:
        return False
    return True


def _block_commands(document: Path, lang: str, block: list[tuple[int, str]]
                    ) -> Iterator[DocCommand]:
    """The commands of one shell block; a named block (`# recipe: x`) is one command."""
    named = BLOCK_NAME.match(block[0][1].strip()) if block else None
    if named:
        yield DocCommand(document, block[0][0], "\n".join(text for _, text in block),
                         (named["kind"], named["name"]))
        return
    pending: tuple[int, str] | None = None
    for number, raw in block:
        text = raw.strip()
        if lang == "console":
            if not text.startswith("$ "):
                continue  # output, not a command
            text = text[2:]
        if pending is None and (not text or text.startswith("#")):
            continue
        pending = (number, text) if pending is None else (pending[0], pending[1] + "\n" + raw)
        if not _complete(pending[1]):
            continue
        start, whole = pending
        pending = None
        alternative = ALTERNATIVE.search(whole)
        yield DocCommand(document, start, _strip_comment(whole).strip())
        if alternative:
            yield DocCommand(document, start, alternative["command"].strip())
    assert pending is None, f"{document.relative_to(ROOT)}:{pending[0]}: unfinished command"


def documented_commands() -> list[DocCommand]:
    """Every command of every shell block of README.md and docs/*.md, in document order."""
    found: list[DocCommand] = []
    for document in DOCUMENTS:
        lang: str | None = None
        block: list[tuple[int, str]] = []
        for number, line in enumerate(document.read_text().splitlines(), start=1):
            fence = FENCE.match(line)
            if fence and lang is None:
                lang, block = fence["lang"], []
            elif fence:
                if lang in SHELL_FENCES:
                    found.extend(_block_commands(document, lang, block))
                lang = None
            elif lang is not None:
                block.append((number, line))
    return found


def kind_of(command: DocCommand) -> str:
    """What the command is, hence how it is checked; "unknown" and "bare" fail the test."""
    if command.block_name:
        return command.block_name[0]
    if command.text in ALLOWED:
        return "allowed"
    words = command.words
    if not words:
        return "unknown"
    program, args = words[0], words[1:]
    if program in {"flask", "microblog-logs", "gunicorn", "pip", "python"}:
        return "bare"
    if program == ".venv/bin/microblog-logs" or program == "jq":
        return "logs"
    if program == ".venv/bin/flask" and args[:2] == ["--app", "wsgi"]:
        return "logs" if args[2:3] == ["logs"] else "flask"
    if program == "make" and args[:1] == ["mail"]:
        return "smtp-server"
    if program == "make" and args:
        return "make"
    if program == "python3" and args[:1] == ["-c"]:
        return "python"
    return "unknown"


COMMANDS = documented_commands()


def commands_of(kind: str) -> list[DocCommand]:
    return [command for command in COMMANDS if kind_of(command) == kind]


def _ids(commands: list[DocCommand]) -> list[str]:
    return [f"{c.where} {c.text.splitlines()[0][:60]}" for c in commands]


def _substituted(text: str) -> str:
    for placeholder, value in PLACEHOLDERS.items():
        text = text.replace(placeholder, value)
    return text


def _unactivated_path() -> str:
    """PATH without this virtualenv's bin directory (or any other inside the project)."""
    venv_bins = {VENV_BIN.resolve(), Path(sys.prefix).resolve() / "bin"}
    kept = [entry for entry in os.environ.get("PATH", "/usr/bin:/bin").split(os.pathsep)
            if entry and Path(entry).resolve() not in venv_bins
            and not Path(entry).resolve().is_relative_to(ROOT)]
    path = os.pathsep.join(kept)
    assert shutil.which("microblog-logs", path=path) is None, "the venv is still on PATH"
    return path


@dataclass
class Checkout:
    """A copy of the project's layout (its files linked) whose `logs/` holds a generated log."""

    root: Path

    @property
    def log_dir(self) -> Path:
        return self.root / "logs"

    def env(self, **extra: str) -> dict[str, str]:
        """A newcomer's shell: no activated virtualenv, the app's state kept in this copy."""
        return {"PATH": _unactivated_path(), "HOME": str(self.root), "LC_ALL": "C.UTF-8",
                "LOG_DIR": str(self.log_dir), "SECRET_KEY": "documented-commands-secret",
                "DATABASE_URL": f"sqlite:///{self.root / 'instance' / 'microblog.db'}",
                **extra}

    def run(self, text: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        """Run one documented command with bash, from the copy's root, as a reader pastes it."""
        return subprocess.run(["bash", "-c", "set -o pipefail\n" + text], cwd=self.root, env=env,
                              capture_output=True, text=True, timeout=120, check=False)


def _write_the_log(log_dir: Path, database: Path) -> None:
    """A story with every kind of line the docs query: a 500 and its failed email (a warning)."""
    with story_app(log_dir, database, MAIL_SERVER=HOST, MAIL_PORT=free_port(),
                   ADMINS="ops@example.com") as app:
        add_crash_route(app)
        client = app.test_client()
        client.post("/login", data={"username": "susan", "password": PASSWORD})
        client.get("/user/susan")
        client.get("/crash", headers={"X-Request-ID": STORY_ID})
        client.post("/logout")
        deadline = time.monotonic() + 15  # the background sender logs the refused connection
        while time.monotonic() < deadline and "error_email_failed" not in _log_text(log_dir):
            time.sleep(0.05)


def _log_text(log_dir: Path) -> str:
    return "".join(path.read_text() for path in log_dir.glob("microblog.log*"))


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory, jq: str) -> Checkout:
    """The project's files linked into a temporary root, with a real log in `logs/`."""
    copy = Checkout(tmp_path_factory.mktemp("checkout"))
    for entry in ROOT.iterdir():
        if entry.name not in {"logs", "instance", ".git"}:
            (copy.root / entry.name).symlink_to(entry)
    (copy.root / "instance").mkdir()
    _write_the_log(copy.log_dir, tmp_path_factory.mktemp("log-db") / "story.db")
    text = _log_text(copy.log_dir)
    assert STORY_ID in text and '"error_email_failed"' in text and '"level":"warning"' in text
    return copy


def test_every_documented_command_has_a_class() -> None:
    """No command is of an unknown kind, none needs an activated venv, no allow-list is stale."""
    assert len(COMMANDS) > 20, "the extraction found the docs' commands"
    problems = [f"{c.where}: {c.text!r} is of no known kind: make it one, or add it to ALLOWED"
                " with the reason it is not run" for c in COMMANDS if kind_of(c) == "unknown"]
    problems += [f"{c.where}: {c.text!r} needs an activated virtualenv: write .venv/bin/..."
                 for c in COMMANDS if kind_of(c) == "bare"]
    used = {c.text for c in COMMANDS}
    problems += [f"ALLOWED names {text!r}, which no document prints" for text in ALLOWED
                 if text not in used]
    assert problems == []


@pytest.mark.parametrize(("kind", "test_module"), sorted(BLOCK_TESTS.items()))
def test_named_blocks_are_tested_elsewhere(kind: str, test_module: Path) -> None:
    """Every `# recipe:` (or `# lnav:`) block is named in the module that runs it."""
    names = [c.block_name[1] for c in commands_of(kind) if c.block_name]
    if names:
        assert test_module.exists(), f"{test_module.name} should test {names}"
        source = test_module.read_text()
        assert [name for name in names
                if f'"{name}"' not in source and f"'{name}'" not in source] == []


@pytest.mark.parametrize("command", commands_of("logs"), ids=_ids(commands_of("logs")))
def test_log_command_runs(command: DocCommand, checkout: Checkout) -> None:
    """A log reader or jq prints something from the generated log and exits 0."""
    done = checkout.run(_substituted(command.text), checkout.env(**command.assignments))
    assert done.returncode == 0, f"{command.where}: {done.stderr}"
    assert done.stdout.strip(), f"{command.where}: printed nothing"


@pytest.fixture
def flask_env(checkout: Checkout, tmp_path: Path, smtp_server: SMTPServer) -> dict[str, str]:
    """A migrated throwaway SQLite database holding `alice`, and the test SMTP server."""
    env = checkout.env(DATABASE_URL=f"sqlite:///{tmp_path / 'app.db'}",
                       LOG_DIR=str(tmp_path / "logs"), MAIL_SERVER=HOST,
                       MAIL_PORT=str(smtp_server.port), ADMINS="admins@example.com")
    done = checkout.run(".venv/bin/flask --app wsgi db upgrade", env)
    assert done.returncode == 0, done.stderr
    app = create_app({"TESTING": True, "SECRET_KEY": "documented-commands-secret",
                      "DATABASE_URL": env["DATABASE_URL"], "LOG_DIR": env["LOG_DIR"],
                      "LOG_CONSOLE": False, "MAIL_SERVER": ""})
    with app.app_context():
        db.session.add(User(username="alice", email="alice@example.com",
                            password_hash=generate_password_hash(PASSWORD, "pbkdf2:sha256:1000")))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    remove_installed_handlers(logging.getLogger())
    return env


@pytest.mark.parametrize("command", commands_of("flask"), ids=_ids(commands_of("flask")))
def test_flask_command_runs(command: DocCommand, checkout: Checkout, flask_env: dict[str, str],
                            smtp_server: SMTPServer) -> None:
    """A `.venv/bin/flask --app wsgi` command exits 0 (an email it sends arrives)."""
    text = re.sub(r"\bMAIL_SERVER=\S+", f"MAIL_SERVER={HOST}", _substituted(command.text))
    text = re.sub(r"\bMAIL_PORT=\S+", f"MAIL_PORT={smtp_server.port}", text)  # the test's server
    done = checkout.run(text, flask_env)
    assert done.returncode == 0, f"{command.where}: {done.stdout}{done.stderr}"
    if "send-test-email" in command.words:
        assert len(smtp_server.wait_for(1)) == 1


@pytest.mark.parametrize("command", commands_of("make"), ids=_ids(commands_of("make")))
def test_make_target_exists(command: DocCommand, checkout: Checkout) -> None:
    """`make -n TARGET` succeeds: the target exists (nothing long is run)."""
    words = command.words
    done = checkout.run(shlex.join(["make", "-n", *(_substituted(w) for w in words[1:])]),
                        checkout.env(**command.assignments))
    assert done.returncode == 0, f"{command.where}: {done.stderr}"


def _wait_for_port(port: int, process: subprocess.Popen[str], timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return True
        except OSError:
            time.sleep(0.1)
    return False


@pytest.mark.parametrize("command", commands_of("smtp-server"),
                         ids=_ids(commands_of("smtp-server")))
def test_development_smtp_server_starts(command: DocCommand, checkout: Checkout) -> None:
    """`make mail` starts a development SMTP server that accepts connections (on a free port)."""
    port = free_port()
    text = f"{command.text.split('#')[0].strip()} DEV_MAIL_PORT={port}"
    process = subprocess.Popen(["bash", "-c", f"exec {text}"], cwd=checkout.root,
                               env=checkout.env(), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        assert _wait_for_port(port, process), f"{command.where}: {process.poll()}"
    finally:
        process.terminate()
        process.communicate(timeout=10)


@pytest.mark.parametrize("command", commands_of("python"), ids=_ids(commands_of("python")))
def test_python_one_liner_runs(command: DocCommand, checkout: Checkout) -> None:
    """A `python3 -c` one-liner runs and prints something."""
    done = checkout.run(command.text, checkout.env())
    assert done.returncode == 0 and done.stdout.strip(), f"{command.where}: {done.stderr}"


def test_error_email_commands_run(checkout: Checkout, tmp_path: Path) -> None:
    """Both commands an error email prints run as written, from elsewhere, unactivated."""
    events = [orjson.loads(line) for path in checkout.log_dir.glob("microblog.log*")
              for line in path.read_text().splitlines()]
    [error] = [e for e in events
               if e.get("request_id") == STORY_ID and e["event"] == "unhandled_exception"]
    _subject, body = render_error_email(error, held_back=0, log_dir=checkout.log_dir)
    lines = body.splitlines()
    start = lines.index("The request's whole story, from the log files:")
    commands = [line.strip() for line in lines[start + 1:start + 4] if line.startswith("    ")]
    assert len(commands) == 2, body
    for text in commands:
        done = subprocess.run(["bash", "-c", text], cwd=tmp_path,
                              env=checkout.env(LOG_DIR=str(tmp_path)),  # only --log-dir finds it
                              capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0, f"{text}: {done.stderr}"
        assert STORY_ID in done.stdout, text
