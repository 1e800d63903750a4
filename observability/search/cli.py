"""`microblog-logs` and `flask logs`: a request's story, filtered searches and grouped errors.

One click group, two entry points (pyproject.toml): the `microblog-logs` console script, and
the `flask.commands` plugin behind `flask logs`. A thin layer over `observability.search.scan`:
it turns options into a `Query`, prints, and exits like grep (0 something matched, 1 nothing
did, 2 bad arguments).

It imports no Flask and nothing from the `app` package (whose `__init__` imports Flask), so
`microblog-logs` starts in a fraction of any `flask` command's time; under `flask` it still
never builds the app, so it never writes an `app_startup` event into (or rotates) the log it
reads. Flask imports this module for every `flask` command, so it stays light at import.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import orjson

from observability.config_files import ConfigError, configured_log_dir
from observability.search.parallel_scan import available_cpus
from observability.search.query import LEVELS, Query, QueryError, parse_time, request_id_key
from observability.search.scan import LogEntry, ScanStats, find_request, latest, search
from observability.search.timeline import format_event_line, render_timeline
from observability.search.user_trail import DEFAULT_LIMIT, DEFAULT_MINUTES, previous_requests
from observability.story_text import format_previous_requests

if TYPE_CHECKING:
    from observability.search.error_groups import ErrorGroup

NO_MATCH = 1


class TimeParam(click.ParamType):  # type: ignore[type-arg]  # generic only in newer click
    """ISO-8601 (`2024-05-01T12:00Z`, UTC unless a zone is given) or an age: 15m, 2h, 7d."""

    name = "time"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return parse_time(str(value))
        except QueryError as error:
            self.fail(str(error), param, ctx)


class ConfigProblem(click.ClickException):
    """The settings that name LOG_DIR cannot be read: exit 2, like any bad argument."""

    exit_code = 2


logs = click.Group("logs", help="Search the JSON log files by request ID, level, event, user, "
                   "path or time. Exit status: 0 found, 1 nothing found, 2 bad arguments.")

_since = click.option("--since", type=TimeParam(),
                      help="At or after: ISO-8601 (UTC unless zoned) or an age: 15m, 2h, 7d.")
_until = click.option("--until", type=TimeParam(), help="At or before (same forms as --since).")
_json = click.option("--json", "as_json", is_flag=True, help="Print JSON lines (for jq).")
_log_dir_option = click.option(
    "--log-dir", type=click.Path(file_okay=False, path_type=Path),
    help="Read this folder instead of the configured LOG_DIR.",
)


def chosen_log_dir(explicit: Path | None) -> Path:
    """--log-dir; else the active Flask app's LOG_DIR; else LOG_DIR as the app would resolve it."""
    if explicit is not None:
        return explicit
    active = _active_app_log_dir()
    if active is not None:  # a caller (a test, a script) runs us inside its app's context
        return active
    try:  # the app's own layering (config.yaml, MICROBLOG_CONFIG, environment), without the app
        return configured_log_dir(os.environ)
    except ConfigError as error:
        raise ConfigProblem(f"cannot work out LOG_DIR: {error}") from None


def _active_app_log_dir() -> Path | None:
    """LOG_DIR of the Flask app whose context is active, if any, without importing Flask."""
    flask = sys.modules.get("flask")
    if flask is None:  # Flask was never imported, so no app context can be active
        return None
    app = flask.current_app
    return Path(app.config["LOG_DIR"]) if app else None


def main() -> None:
    """The `microblog-logs` console script: the same commands as `flask logs`, without Flask."""
    logs(prog_name="microblog-logs")


@logs.command("show")
@click.argument("request_id")
@click.option("--trail", is_flag=True,
              help="Also the same user's (or client's) requests just before this one.")
@click.option("--trail-limit", type=click.IntRange(min=1), default=DEFAULT_LIMIT,
              show_default=True, help="At most this many earlier requests.")
@click.option("--trail-minutes", type=click.IntRange(min=1), default=DEFAULT_MINUTES,
              show_default=True, help="Look back this many minutes.")
@_json
@_log_dir_option
def show(request_id: str, trail: bool, trail_limit: int, trail_minutes: int,
         as_json: bool, log_dir: Path | None) -> None:
    """Every event of one request, in time order, with its traceback and breadcrumbs.

    REQUEST_ID may be spelled as a user read it: any case, dashes or not, O for 0, I or L for 1.
    With --trail, the user's previous requests follow (with --json: one summary object per
    earlier request, after the request's own lines).
    """
    try:
        folded = request_id_key(request_id)
    except QueryError as error:
        raise click.BadParameter(str(error), param_hint="REQUEST_ID") from None
    folder = chosen_log_dir(log_dir)
    stats = ScanStats()
    entries = find_request(folder, request_id, stats, processes=available_cpus())
    events = [entry.event for entry in entries]
    earlier = (previous_requests(folder, events, limit=trail_limit, minutes=trail_minutes,
                                 stats=stats) if trail and entries else None)
    with _output():
        if as_json:
            _echo_raw(entries)
            for row in earlier.rows if earlier else ():
                click.echo(orjson.dumps(row))
        elif entries:
            click.echo(render_timeline(events), nl=False)
            if trail:
                click.echo("\n" + format_previous_requests(earlier), nl=False)
    _report(stats)
    if not entries:
        click.echo(f"no events for request {folded} in {folder}", err=True)
        sys.exit(NO_MATCH)


@logs.command("search")
@click.option("--level", type=click.Choice(LEVELS, case_sensitive=False),
              help="This level and above.")
@click.option("--event", help="Event name, e.g. request_finished (wildcards: *, ?).")
@click.option("--user", help="User id, as logged in user_id.")
@click.option("--path", help="Request path, e.g. /explore or '/user/*'.")
@click.option("--status", help="HTTP status: 500, or a class such as 5xx.")
@click.option("--slow", is_flag=True, help="Only requests slower than SLOW_REQUEST_MS.")
@_since
@_until
@click.option("--limit", type=click.IntRange(min=1), help="Only the newest N matches.")
@_json
@_log_dir_option
def search_command(
    level: str | None, event: str | None, user: str | None, path: str | None,
    status: str | None, slow: bool, since: datetime | None, until: datetime | None,
    limit: int | None, as_json: bool, log_dir: Path | None,
) -> None:
    """Events matching every given filter, oldest first, one per line."""
    try:
        query = Query(level=level, event=event, user=user, path=path, status=status,
                      since=since, until=until, slow=slow)
    except QueryError as error:
        raise click.UsageError(str(error)) from None
    stats = ScanStats()
    entries: Iterable[LogEntry] = search(chosen_log_dir(log_dir), query, stats)
    if limit is not None:
        entries = latest(entries, limit)
    with _output():
        found = _echo_raw(entries) if as_json else _echo_lines(entries)
    _report(stats)
    if not found:
        sys.exit(NO_MATCH)


@logs.command("errors")
@_since
@_until
@click.option("--limit", type=click.IntRange(min=1), help="Only the N most recent errors.")
@_json
@_log_dir_option
def errors(since: datetime | None, until: datetime | None, limit: int | None,
           as_json: bool, log_dir: Path | None) -> None:
    """Errors grouped by fingerprint: count, first and last seen, the latest request IDs."""
    if since and until and since > until:
        raise click.UsageError("--since is later than --until: nothing can match")
    # Imported here: fingerprinting (hashlib) is only for this command, and start-up counts.
    from observability.search.error_groups import recent_errors

    stats = ScanStats()
    groups = recent_errors(chosen_log_dir(log_dir), since, until, stats)[:limit]
    with _output():
        for group in groups:
            click.echo(orjson.dumps(group.as_dict()) if as_json else _describe(group))
    _report(stats)
    if not groups:
        sys.exit(NO_MATCH)


def _describe(group: ErrorGroup) -> str:
    facts = group.as_dict()
    return "\n".join([
        f"{group.kind} at {group.place}",
        f"  {group.count}x, first {facts['first_seen']}, last {facts['last_seen']}"
        f"  (fingerprint {group.fingerprint})",
        *([f"  {group.message}"] if group.message else []),
        f"  latest requests: {' '.join(group.latest_request_ids) or '-'}",
        "",
    ])


def _echo_raw(entries: Iterable[LogEntry]) -> int:
    count = 0
    for entry in entries:
        click.echo(entry.raw)
        count += 1
    return count


def _echo_lines(entries: Iterable[LogEntry]) -> int:
    count = 0
    for entry in entries:
        click.echo(format_event_line(entry.event, with_request_id=True))
        count += 1
    return count


def _report(stats: ScanStats) -> None:
    """Problems go to stderr, so stdout stays clean for pipes."""
    if stats.corrupt_lines:
        plural = "s" if stats.corrupt_lines != 1 else ""
        click.echo(f"skipped {stats.corrupt_lines} corrupt line{plural}", err=True)
    for problem in stats.unreadable_files:
        click.echo(f"could not read all of {problem}", err=True)


@contextmanager
def _output() -> Iterator[None]:
    """Stop quietly when the reader goes away (`microblog-logs search | head`), as grep does."""
    try:
        yield
        sys.stdout.flush()
    except BrokenPipeError:
        # Point stdout at /dev/null so the interpreter's final flush cannot fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)


if __name__ == "__main__":  # python -m observability.search.cli
    main()
