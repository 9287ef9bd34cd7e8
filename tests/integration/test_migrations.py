"""The Alembic migrations build exactly the schema the models describe, and walk down and up again."""
from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from scheduler.store.db import alembic_config, make_engine
from scheduler.store.models import Base

APSCHEDULER_TABLE = "apscheduler_jobs"  # APScheduler's job store makes and owns it, not Alembic


def _ours(name: str | None, kind: str, _parent: object) -> bool:
    return not (kind == "table" and name == APSCHEDULER_TABLE)


def _drift(url: str) -> list[object]:
    engine = make_engine(url)
    with engine.connect() as conn:
        opts = {"compare_type": True, "include_name": _ours}
        context = MigrationContext.configure(conn, opts=opts)
        diffs = compare_metadata(context, Base.metadata)
    engine.dispose()
    return diffs


def test_migrated_schema_matches_the_models(database_url):
    assert _drift(database_url) == []


def test_migrations_walk_down_to_nothing_and_up_again(database_url):
    config = alembic_config(database_url)
    command.downgrade(config, "base")
    engine = create_engine(database_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version", APSCHEDULER_TABLE}
    engine.dispose()
    command.upgrade(config, "head")
    assert _drift(database_url) == []
