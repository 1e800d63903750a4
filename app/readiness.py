"""Readiness: whether this process can serve pages, checked the way a page would fail.

`SELECT 1` proves a connection, not a schema: a missing table, a database file overwritten
with garbage or one the process cannot read all pass it while every page is a 500. So the
check reads the migration version (it must be the head of migrations/) and one row of every
model table. What failed is named in plain words; driver messages and SQL stay in the log.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy.exc import SQLAlchemyError

from app.config import PROJECT_ROOT
from app.extensions import db

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
# Alembic's version table (its documented default name and column). Read with a plain query:
# `MigrationContext.configure` would log an INFO line ("Context impl ...") on every probe.
_VERSIONS: sa.Select[str] = sa.select(sa.column("version_num")).select_from(
    sa.table("alembic_version")
)


@dataclass(frozen=True)
class Readiness:
    """The verdict: `reason` says what failed (None when ready); `error_type` is for the log."""

    reason: str | None = None
    error_type: str | None = None
    current: tuple[str, ...] = ()
    head: tuple[str, ...] = ()

    @property
    def ready(self) -> bool:
        """Whether every check passed."""
        return self.reason is None


@cache
def migration_heads(directory: Path = MIGRATIONS_DIR) -> tuple[str, ...]:
    """The head revision(s) of the migration scripts, read once per process (they do not
    change under a running process; a deploy restarts it)."""
    return tuple(sorted(ScriptDirectory(str(directory)).get_heads()))


def check_readiness() -> Readiness:
    """Connect, compare the schema's revision with the head, read one row of every table."""
    head = migration_heads()
    try:
        connection = db.engine.connect()
    except SQLAlchemyError as error:
        return Readiness("database connection failed", type(error).__name__, head=head)
    with connection:
        try:
            current = tuple(sorted(connection.scalars(_VERSIONS)))
        except SQLAlchemyError as error:
            return Readiness("migration version unreadable", type(error).__name__, head=head)
        if current != head:
            return Readiness("schema not at the migration head", current=current, head=head)
        for table in db.metadata.sorted_tables:
            try:
                connection.execute(sa.select(*table.columns).limit(1)).all()
            except SQLAlchemyError as error:
                return Readiness(f"table {table.name} unreadable", type(error).__name__,
                                 current=current, head=head)
    return Readiness(current=current, head=head)
