"""The Alembic migrations build the schema the models describe, walk down and up again, and rewrite stored days."""
from __future__ import annotations

import json
from datetime import UTC, date, datetime

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from scheduler.store.db import alembic_config, make_engine
from scheduler.store.models import Base
from scheduler.store.plan_json import plan_from_dict

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


def test_stored_days_keep_a_looped_clips_passes_as_one_entry_from_0010_and_one_by_one_below(database_url):
    config = alembic_config(database_url)
    command.downgrade(config, "0009")
    filler = {"length": 250, "kind": "filler", "slot": None, "source": "clip:slate", "media": "clips/slate.mp4",
              "in": 0, "out": 250, "title": "空中课堂", "airing": None}
    trimmed = {**filler, "start": 750, "length": 100, "out": 100}
    one_by_one = [{**filler, "start": start} for start in (0, 250, 500)] + [trimmed]
    plan = {"channel_id": "grade3", "day": "2026-09-01", "frames": 850, "events": one_by_one, "slots": [],
            "airings": {}, "cursor": {}}
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO channel (id, name, grades, settings, template, retired, updated_at) "
                          "VALUES ('grade3', '三年级', '[3]', '{}', '{}', false, :at)"), {"at": datetime.now(UTC)})
        conn.execute(text("INSERT INTO channel_day (channel_id, day, version, status, plan, recording_ids, problems, "
                          "note, created_at) VALUES ('grade3', :day, 1, 'published', :plan, '[]', 0, '', :at)"),
                     {"day": date(2026, 9, 1), "plan": json.dumps(plan, ensure_ascii=False), "at": datetime.now(UTC)})

    def stored_events() -> list[dict[str, object]]:
        with engine.connect() as conn:
            doc = conn.execute(text("SELECT plan FROM channel_day")).scalar_one()
        return (json.loads(doc) if isinstance(doc, str) else doc)["events"]

    command.upgrade(config, "head")
    assert stored_events() == [{**filler, "start": 0, "passes": 3}, one_by_one[-1]]
    assert [e.start for e in plan_from_dict({**plan, "events": stored_events()}).events] == [0, 250, 500, 750]
    command.downgrade(config, "0009")
    assert stored_events() == one_by_one
    command.upgrade(config, "head")
    engine.dispose()
