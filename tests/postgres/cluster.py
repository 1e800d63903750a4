"""A throwaway PostgreSQL cluster in a temp dir, so tests use a real server and leave nothing."""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

# PostgreSQL refuses to run as root; Debian's `postgresql` package creates this account.
SERVER_ACCOUNT = "postgres"
APP_ROLE = "microblog"
# Durability buys nothing in a cluster that is deleted after the run; speed does.
_FAST_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")


class ClusterUnavailableError(RuntimeError):
    """PostgreSQL cannot be started here; the message says why, for a skip reason."""


def find_server_binaries(root: Path = Path("/usr/lib/postgresql")) -> Path:
    """The newest installed server's bin directory (Debian keeps one per major version)."""
    candidates = [path.parent for path in root.glob("*/bin/initdb")]
    if not candidates:
        raise ClusterUnavailableError(f"no initdb under {root}/*/bin (install Debian's postgresql)")
    return max(candidates, key=_major_version)


def _major_version(bin_dir: Path) -> int:
    return int(bin_dir.parent.name) if bin_dir.parent.name.isdigit() else 0


def free_loopback_port() -> int:
    """A port nobody listens on right now (the server binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Cluster:
    """A running cluster: where it lives and how to reach it as admin and as the app."""

    base_dir: Path
    bin_dir: Path
    port: int
    admin_password: str
    app_password: str

    def admin_dsn(self, dbname: str = "postgres") -> str:
        """A libpq connection string for the superuser, for creating and emptying databases."""
        return (f"host=127.0.0.1 port={self.port} dbname={dbname} "
                f"user={SERVER_ACCOUNT} password={self.admin_password}")

    def app_url(self, dbname: str) -> str:
        """The DATABASE_URL the app uses: an unprivileged role that owns `dbname`."""
        return f"postgresql+psycopg://{APP_ROLE}:{self.app_password}@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, dbname: str) -> str:
        """Create an empty database owned by the app role and return its DATABASE_URL."""
        with psycopg.connect(self.admin_dsn(), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {} OWNER {} TEMPLATE template0").format(
                sql.Identifier(dbname), sql.Identifier(APP_ROLE)))
        return self.app_url(dbname)

    def empty_database(self, dbname: str) -> None:
        """Make `dbname` as good as new, fast: close its connections, drop and recreate its schema.

        Creating a database per test costs a third of a second on a busy machine; this costs
        milliseconds and leaves nothing behind (tables, sequences, indexes and types all live
        in the `public` schema).
        """
        with psycopg.connect(self.admin_dsn(dbname), autocommit=True) as conn:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                         "WHERE datname = %s AND pid <> pg_backend_pid()", (dbname,))
            conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
            conn.execute(sql.SQL("CREATE SCHEMA public AUTHORIZATION {}").format(
                sql.Identifier(APP_ROLE)))

    def stop(self) -> None:
        """Stop the server at once and delete every file of the cluster."""
        try:
            _run_as_server(self.bin_dir / "pg_ctl", "-D", str(self.base_dir / "data"),
                           "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.base_dir, ignore_errors=True)


def _server_account() -> pwd.struct_passwd | None:
    """The account to run the server as: `postgres` when we are root, else ourselves (None)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SERVER_ACCOUNT)
    except KeyError:
        raise ClusterUnavailableError(
            f"running as root and there is no {SERVER_ACCOUNT!r} account to run the server"
        ) from None


def _run_as_server(*command: str | Path, timeout: float = 120) -> None:
    """Run a PostgreSQL tool as the server account; a failure carries the tool's own words."""
    prefix: Sequence[str] = ()
    if _server_account() is not None:
        prefix = ("runuser", "-u", SERVER_ACCOUNT, "--")
    result = subprocess.run(
        [*prefix, *map(str, command)], capture_output=True, text=True, timeout=timeout,
        check=False, stdin=subprocess.DEVNULL,
    )
    if result.returncode != 0:
        words = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise ClusterUnavailableError(f"{Path(str(command[0])).name} failed: {' | '.join(words)}")


def _make_private_dir() -> Path:
    """A 0700 temp dir the server account owns (it must be able to write data and its socket)."""
    base_dir = Path(tempfile.mkdtemp(prefix="microblog-pg-"))
    account = _server_account()
    if account is not None:
        os.chown(base_dir, account.pw_uid, account.pw_gid)
    return base_dir


def start_cluster(attempts: int = 3) -> Cluster:
    """initdb and start a cluster on a free loopback port, or say why not (the error)."""
    bin_dir = find_server_binaries()
    base_dir = _make_private_dir()
    admin_password = secrets.token_hex(16)
    try:
        pwfile = base_dir / "pwfile"
        pwfile.write_text(admin_password + "\n", encoding="ascii")
        account = _server_account()
        if account is not None:
            os.chown(pwfile, account.pw_uid, account.pw_gid)
        _run_as_server(bin_dir / "initdb", "-D", str(base_dir / "data"), "-U", SERVER_ACCOUNT,
                       f"--pwfile={pwfile}", "--auth-local=trust", "--auth-host=scram-sha-256",
                       "-E", "UTF8", "--locale=C", "--no-sync")
        pwfile.unlink()
        port = _start_on_free_port(bin_dir, base_dir, attempts)
    except (ClusterUnavailableError, OSError, subprocess.TimeoutExpired) as error:
        shutil.rmtree(base_dir, ignore_errors=True)
        if isinstance(error, ClusterUnavailableError):
            raise
        raise ClusterUnavailableError(f"{type(error).__name__}: {error}") from error
    cluster = Cluster(base_dir, bin_dir, port, admin_password, secrets.token_hex(16))
    try:
        with psycopg.connect(cluster.admin_dsn(), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(APP_ROLE), sql.Literal(cluster.app_password)))
    except psycopg.Error as error:
        cluster.stop()
        raise ClusterUnavailableError(f"cannot create the app role: {error}") from error
    return cluster


def _start_on_free_port(bin_dir: Path, base_dir: Path, attempts: int) -> int:
    """Start the server, retrying with a new port if another process took ours meanwhile."""
    failure = ClusterUnavailableError("pg_ctl was never run")
    for _ in range(attempts):
        port = free_loopback_port()
        options = " ".join([f"-p {port}", "-c listen_addresses=127.0.0.1",
                            f"-c unix_socket_directories={base_dir}",
                            *(f"-c {setting}" for setting in _FAST_SETTINGS)])
        try:
            _run_as_server(bin_dir / "pg_ctl", "-D", str(base_dir / "data"),
                           "-l", str(base_dir / "server.log"), "-o", options,
                           "-w", "-t", "60", "start")
        except ClusterUnavailableError as error:
            failure = error
            continue
        return port
    log = base_dir / "server.log"
    tail = log.read_text(errors="replace").strip().splitlines()[-3:] if log.exists() else []
    raise ClusterUnavailableError(f"{failure} | server log: {' | '.join(tail)}")
