"""Backup and restore round trip: every row, the audit trail and the media manifest come back."""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from scheduler.domain.review_terms import Role
from scheduler.ops.backup import BackupDamaged, BackupRefused, backup, restore
from scheduler.services import accounts
from scheduler.store.db import make_engine, make_session_factory
from scheduler.store.models import Base
from tests.support.databases import migrated_copy

pytestmark = pytest.mark.ffmpeg
AT = datetime(2020, 2, 10, 3, 0, tzinfo=UTC)


@pytest.fixture
def fresh_url(migrated_database: str, tmp_path: Path) -> Iterator[str]:
    """A second empty database migrated to head, to restore into."""
    with migrated_copy(migrated_database, tmp_path, "airclass_restore") as url:
        yield url


@pytest.fixture
def seeded(api_as, world, clips, settings):  # type: ignore[no-untyped-def]
    """build_world, plus an upload (Chinese file name) submitted and approved at county review."""
    teacher, county = api_as("teacher_a"), api_as("county_a")
    with clips["lesson_2s.mp4"].open("rb") as f:
        created = teacher.post(
            f"/api/lessons/{world.lesson_a}/recordings",
            data={"file": (f, "第12课.mp4")},
            content_type="multipart/form-data",
        ).get_json()
    submitted = teacher.post(f"/api/recordings/{created['id']}/actions", json={"action": "submit"}).get_json()
    approved = county.post(
        f"/api/recordings/{created['id']}/actions", json={"action": "approve", "checksum": submitted["checksum"]}
    )
    assert approved.status_code == 200, approved.get_json()
    return approved.get_json()


def all_rows(url: str) -> dict[str, list[dict]]:
    """Every row of every airclass table, in primary-key order, as Python values."""
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = {
            table.name: [dict(r) for r in conn.execute(select(table).order_by(*table.primary_key.columns)).mappings()]
            for table in Base.metadata.sorted_tables
        }
    engine.dispose()
    return rows


def test_round_trip_restores_every_row_and_the_audit_trail(seeded, settings, fresh_url, tmp_path) -> None:
    target = tmp_path / "backup-1"
    made = backup(settings.database_url, settings.media_dir, target, at=AT)
    assert made.rows["audit_event"] == 3 and made.rows["recording"] == 1 and made.media_files == 1
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".backup-1")) == []  # no temp left
    restored = restore(fresh_url, target, settings.media_dir)
    assert restored.rows == made.rows and restored.media.ok
    before, after = all_rows(settings.database_url), all_rows(fresh_url)
    assert after == before
    trail = [(e["action"], e["from_state"], e["to_state"], e["checksum"]) for e in after["audit_event"]]
    assert trail == [
        ("submit", "draft", "submitted", seeded["checksum"]),
        ("intake", "submitted", "county_review", seeded["checksum"]),
        ("approve", "county_review", "city_review", seeded["checksum"]),
    ]
    assert after["recording"][0]["original_filename"] == "第12课.mp4" and after["city"][0]["name"] == "嘉兴市"


def test_the_restored_trail_is_still_append_only_and_new_rows_get_new_ids(seeded, settings, fresh_url, tmp_path):
    backup(settings.database_url, settings.media_dir, tmp_path / "b", at=AT)
    restore(fresh_url, tmp_path / "b", settings.media_dir)
    engine = make_engine(fresh_url)
    with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET comment = 'rewritten'"))
    with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event"))
    before = max(u["id"] for u in all_rows(fresh_url)["app_user"])
    accounts.create_user(
        make_session_factory(engine)(), username="new_after_restore", password="x" * 12, role=Role.AUDITOR,
        display_name="新审计", at=AT,
    )
    ids = {u["username"]: u["id"] for u in all_rows(fresh_url)["app_user"]}
    assert ids["new_after_restore"] == before + 1  # PostgreSQL sequences moved past the restored ids
    engine.dispose()


def test_backup_files_are_portable_json_lines(seeded, settings, tmp_path) -> None:
    backup(settings.database_url, settings.media_dir, tmp_path / "b", at=AT)
    meta = json.loads((tmp_path / "b" / "backup.json").read_text(encoding="utf-8"))
    assert meta["format"] == "airclass-backup/1" and meta["alembic_revision"]
    assert set(meta["tables"]) == set(Base.metadata.tables)
    users = [json.loads(line) for line in (tmp_path / "b" / "tables" / "app_user.jsonl").read_text("utf-8").splitlines()]
    assert any(u["display_name"] == "王老师" for u in users)
    assert all(u["created_at"].endswith("+00:00") for u in users)
    media = [json.loads(line) for line in (tmp_path / "b" / "media.jsonl").read_text("utf-8").splitlines()]
    assert [(m["path"].split("/")[0], m["size"]) for m in media] == [("recordings", seeded["size_bytes"])]
    assert media[0]["sha256"] == seeded["checksum"]


def test_restore_reports_missing_and_changed_media(seeded, settings, fresh_url, tmp_path) -> None:
    second = settings.media_dir / "recordings" / ("0" * 32 + ".mp4")
    second.write_bytes(b"second")
    backup(settings.database_url, settings.media_dir, tmp_path / "b", at=AT)
    kept = next(p for p in (settings.media_dir / "recordings").iterdir() if p != second)
    kept.write_bytes(kept.read_bytes()[:-1] + b"\0")
    second.unlink()
    check = restore(fresh_url, tmp_path / "b", settings.media_dir).media
    assert check.missing == [f"recordings/{second.name}"] and check.changed == [f"recordings/{kept.name}"]


def test_restore_refuses_a_database_that_is_not_empty_unless_forced(seeded, settings, tmp_path) -> None:
    backup(settings.database_url, settings.media_dir, tmp_path / "b", at=AT)
    before = all_rows(settings.database_url)
    with pytest.raises(BackupRefused, match="not empty"):
        restore(settings.database_url, tmp_path / "b", settings.media_dir)
    forced = restore(settings.database_url, tmp_path / "b", settings.media_dir, force=True)
    assert forced.rows["audit_event"] == len(before["audit_event"]) and all_rows(settings.database_url) == before
    engine = make_engine(settings.database_url)
    with pytest.raises(Exception, match="append-only"), engine.begin() as conn:  # the triggers came back
        conn.execute(text("DELETE FROM audit_event"))
    engine.dispose()


def test_damaged_or_foreign_backups_are_refused(seeded, settings, fresh_url, tmp_path) -> None:
    backup(settings.database_url, settings.media_dir, tmp_path / "b", at=AT)
    with pytest.raises(BackupRefused, match="already exists"):
        backup(settings.database_url, settings.media_dir, tmp_path / "b", at=AT)
    rows = tmp_path / "b" / "tables" / "recording.jsonl"
    rows.write_text(rows.read_text(encoding="utf-8").replace("第12课", "第13课"), encoding="utf-8")
    with pytest.raises(BackupDamaged, match=re.escape("tables/recording.jsonl")):
        restore(fresh_url, tmp_path / "b", settings.media_dir)
    with pytest.raises(BackupDamaged, match="not an airclass backup"):
        restore(fresh_url, tmp_path, settings.media_dir)
    assert all(not rows for rows in all_rows(fresh_url).values())


def test_restore_refuses_a_database_at_another_revision(seeded, settings, tmp_path) -> None:
    backup(settings.database_url, settings.media_dir, tmp_path / "b", at=AT)
    meta_path = tmp_path / "b" / "backup.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta_path.write_text(json.dumps({**meta, "alembic_revision": "0001"}), encoding="utf-8")
    empty = f"sqlite:///{tmp_path / 'unmigrated.sqlite3'}"
    with pytest.raises(BackupRefused, match="not migrated"):
        restore(empty, tmp_path / "b", settings.media_dir)


def test_the_airclass_command_backs_up_and_restores(seeded, settings, fresh_url, tmp_path, monkeypatch) -> None:
    from web.cli import cli

    monkeypatch.setenv("AIRCLASS_MEDIA_DIR", str(settings.media_dir))
    monkeypatch.setenv("AIRCLASS_DATABASE_URL", settings.database_url)
    made = CliRunner().invoke(cli, ["backup", "-o", str(tmp_path / "b")])
    assert made.exit_code == 0, made.output
    assert "backed up revision" in made.output and "media files listed: 1" in made.output
    refused = CliRunner().invoke(cli, ["restore", str(tmp_path / "b")])
    assert refused.exit_code == 1 and "not empty" in refused.output
    monkeypatch.setenv("AIRCLASS_DATABASE_URL", fresh_url)
    restored = CliRunner().invoke(cli, ["restore", str(tmp_path / "b")])
    assert restored.exit_code == 0, restored.output
    assert "audit_event 3" in restored.output and "1 files listed, 0 missing, 0 changed" in restored.output
