"""Backup and restore: every table as JSON lines, the Alembic revision, and a manifest of the media store.

A backup is a directory, written under a temporary name beside its target and renamed when whole:

    backup.json           format, time, Alembic revision, per table: row count and sha256 of its file
    tables/<table>.jsonl  one JSON object per row, in primary-key order (times ISO 8601 with offset)
    media.jsonl           one line per file of the media store: relative path, size, sha256
                          (not incoming/ nor orphans/: uploads in flight, files no row references)

The media files themselves are not copied (copy the store with rsync or a snapshot); the manifest
lets `restore` tell which files are missing or changed. Restore fills an empty database that is
migrated to the backup's revision; `force` first empties a database that is not (the audit
trail's append-only triggers are lifted for that one transaction and put back as they were).

BackupError
 ├── BackupRefused    the target exists, the database is not migrated or not empty, revisions differ
 └── BackupDamaged    a file of the backup is missing or does not match backup.json
"""
from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Date, DateTime, Engine, LargeBinary, Numeric, Table, func, inspect, select, text
from sqlalchemy.types import TypeDecorator

from media.atomic_write import staging_dir
from media.checksum import sha256_file
from scheduler.store.db import make_engine
from scheduler.store.media_store import ORPHANS_DIR
from scheduler.store.models import Base

FORMAT = "airclass-backup/1"
BATCH = 500
# Uploads in flight are not part of the store yet; files set aside in orphans/ no row references,
# so no restore needs them (listing them would report "missing" once an operator empties the folder).
SKIPPED_DIRS = ("incoming", ORPHANS_DIR)


class BackupError(Exception):
    """Base of backup and restore errors."""


class BackupRefused(BackupError):
    """The backup or restore cannot go ahead; the message says why."""


class BackupDamaged(BackupError):
    """A backup file is missing or differs from what backup.json recorded."""


@dataclass(frozen=True)
class ManifestEntry:
    """One media file: path relative to the store (POSIX), size and sha256."""

    path: str
    size: int
    sha256: str


@dataclass(frozen=True)
class MediaCheck:
    """How the media store compares with a backup's manifest."""

    missing: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every listed file is present and unchanged."""
        return not self.missing and not self.changed


@dataclass(frozen=True)
class BackupSummary:
    """What a backup or a restore covered."""

    directory: Path
    revision: str
    rows: dict[str, int]
    media_files: int
    skipped_tables: list[str]
    media: MediaCheck = field(default_factory=MediaCheck)


# --- values -------------------------------------------------------------------------------------


def _encode(value: Any) -> Any:
    """JSON for the values json does not know."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"cannot back up a value of type {type(value).__name__}")


def _decoder(column_type: Any) -> Any:
    """The function turning a column's JSON value back into what the column takes."""
    kind = column_type.impl_instance if isinstance(column_type, TypeDecorator) else column_type
    if isinstance(kind, DateTime):
        return datetime.fromisoformat
    if isinstance(kind, Date):
        return date.fromisoformat
    if isinstance(kind, LargeBinary):
        return base64.b64decode
    if isinstance(kind, Numeric) and kind.asdecimal:
        return Decimal
    return None


def _decode_rows(table: Table, rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    decoders = {c.name: d for c in table.columns if (d := _decoder(c.type)) is not None}
    for row in rows:
        yield {k: (decoders[k](v) if k in decoders and v is not None else v) for k, v in row.items()}


# --- files --------------------------------------------------------------------------------------


def media_manifest(media_root: Path) -> list[ManifestEntry]:
    """Every file of the media store (not incoming/ nor orphans/, not hidden temporaries), sorted by path."""
    if not media_root.is_dir():
        return []
    entries = []
    for path in sorted(media_root.rglob("*")):
        relative = path.relative_to(media_root)
        if not path.is_file() or relative.parts[0] in SKIPPED_DIRS or path.name.startswith("."):
            continue
        entries.append(ManifestEntry(relative.as_posix(), path.stat().st_size, sha256_file(path)))
    return entries


def check_media(media_root: Path, manifest: Iterable[ManifestEntry]) -> MediaCheck:
    """Compare the media store with a manifest: which listed files are missing or changed."""
    missing, changed = [], []
    for entry in manifest:
        path = media_root / entry.path
        if not path.is_file():
            missing.append(entry.path)
        elif path.stat().st_size != entry.size or sha256_file(path) != entry.sha256:
            changed.append(entry.path)
    return MediaCheck(missing, changed)


def _write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for row in rows:
            out.write(json.dumps(row, default=_encode, ensure_ascii=False, sort_keys=True) + "\n")
            count += 1
        out.flush()
        os.fsync(out.fileno())
    return count


def _read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            yield json.loads(line)


# --- database -----------------------------------------------------------------------------------


@contextmanager
def _engine(database: str | Engine) -> Iterator[Engine]:
    """The engine given, or one made for a URL and disposed of afterwards."""
    if isinstance(database, Engine):
        yield database
        return
    engine = make_engine(database)
    try:
        yield engine
    finally:
        engine.dispose()


def _revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def _table_rows(conn: Connection, table: Table) -> Iterator[dict[str, Any]]:
    order = list(table.primary_key.columns) or list(table.columns)
    for row in conn.execute(select(table).order_by(*order)).mappings():
        yield dict(row)


def _skipped_tables(conn: Connection) -> list[str]:
    """Tables in the database that airclass's models do not describe (e.g. APScheduler's job store)."""
    known = set(Base.metadata.tables) | {"alembic_version"}
    return sorted(set(inspect(conn).get_table_names()) - known)


def backup(database: str | Engine, media_root: Path, target: Path, *, at: datetime) -> BackupSummary:
    """Write a backup of the database and a manifest of the media store to a new directory `target`."""
    if target.exists():
        raise BackupRefused(f"{target} already exists; choose a new directory")
    with staging_dir(target, replace=False) as temp:
        (temp / "tables").mkdir()
        with _engine(database) as engine:
            summary = _write_backup(engine, media_root, temp, at)
    return BackupSummary(target, summary.revision, summary.rows, summary.media_files, summary.skipped_tables)


def _write_backup(engine: Engine, media_root: Path, folder: Path, at: datetime) -> BackupSummary:
    tables: dict[str, dict[str, Any]] = {}
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":  # one transaction, one snapshot of every table
            conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            revision = _revision(conn)
            if revision is None:
                raise BackupRefused("the database is not migrated; nothing to back up")
            for table in Base.metadata.sorted_tables:
                path = folder / "tables" / f"{table.name}.jsonl"
                tables[table.name] = {"rows": _write_jsonl(path, _table_rows(conn, table)), "sha256": sha256_file(path)}
            skipped = _skipped_tables(conn)
    manifest = media_manifest(media_root)
    _write_jsonl(folder / "media.jsonl", (asdict(entry) for entry in manifest))
    meta: dict[str, Any] = {"format": FORMAT, "created_at": at.isoformat(), "alembic_revision": revision}
    meta |= {"tables": tables}
    meta |= {"skipped_tables": skipped, "media_files": len(manifest)}
    meta |= {"media_sha256": sha256_file(folder / "media.jsonl")}
    (folder / "backup.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    rows = {name: info["rows"] for name, info in tables.items()}
    return BackupSummary(folder, revision, rows, len(manifest), skipped)


# --- restore ------------------------------------------------------------------------------------


def read_backup(source: Path) -> dict[str, Any]:
    """Read backup.json and check that every file it lists is there and unchanged."""
    meta_path = source / "backup.json"
    if not meta_path.is_file():
        raise BackupDamaged(f"{source} has no backup.json: it is not an airclass backup")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if meta.get("format") != FORMAT:
        raise BackupDamaged(f"{source} is in format {meta.get('format')!r}, not {FORMAT}")
    files = {f"tables/{name}.jsonl": info["sha256"] for name, info in meta["tables"].items()}
    files["media.jsonl"] = meta["media_sha256"]
    for relative, digest in files.items():
        if not (source / relative).is_file() or sha256_file(source / relative) != digest:
            raise BackupDamaged(f"{relative} is missing from the backup or has changed since it was written")
    unknown = sorted(set(meta["tables"]) - set(Base.metadata.tables))
    if unknown:
        raise BackupRefused(f"the backup has tables this version of airclass does not know: {', '.join(unknown)}")
    return meta


def restore(database: str | Engine, source: Path, media_root: Path, *, force: bool = False) -> BackupSummary:
    """Load a backup into an empty database migrated to its revision; check the media store against it."""
    meta = read_backup(source)
    with _engine(database) as engine, engine.connect() as conn, conn.begin():
        _check_target(conn, meta["alembic_revision"], force=force)
        tables = [t for t in Base.metadata.sorted_tables if t.name in meta["tables"]]
        rows = {table.name: _insert(conn, table, source / "tables" / f"{table.name}.jsonl") for table in tables}
        if engine.dialect.name == "postgresql":
            _fix_sequences(conn)
    manifest = [ManifestEntry(**entry) for entry in _read_jsonl(source / "media.jsonl")]
    media = check_media(media_root, manifest)
    return BackupSummary(source, meta["alembic_revision"], rows, len(manifest), meta["skipped_tables"], media)


def _check_target(conn: Connection, wanted: str, *, force: bool) -> None:
    """Refuse a database at another revision, or one holding rows (unless forced: then empty it)."""
    revision = _revision(conn)
    if revision is None:
        raise BackupRefused("the database is not migrated: run `airclass db upgrade` on it first")
    if revision != wanted:
        raise BackupRefused(f"the database is at revision {revision} but the backup at {wanted}: restore into a "
                            f"database migrated to {wanted}")
    filled = [t.name for t in Base.metadata.sorted_tables if conn.scalar(select(func.count()).select_from(t))]
    if filled and not force:
        raise BackupRefused(f"the database is not empty ({', '.join(filled)}): restore into an empty database, "
                            "or pass --force to replace what it holds")
    if filled:
        _empty(conn)


def _empty(conn: Connection) -> None:
    """Delete every row; the append-only triggers are lifted and restored inside this transaction."""
    tables = list(reversed(Base.metadata.sorted_tables))
    if conn.dialect.name == "postgresql":  # TRUNCATE fires no row triggers
        names = ", ".join(conn.dialect.identifier_preparer.format_table(t) for t in tables)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        return
    triggers = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all()
    for name, _ in triggers:
        conn.execute(text(f'DROP TRIGGER "{name}"'))
    for table in tables:
        conn.execute(table.delete())
    for _, sql in triggers:
        conn.execute(text(sql))


def _insert(conn: Connection, table: Table, path: Path) -> int:
    """Insert a table's rows in batches; return how many."""
    count, batch = 0, []
    for row in _decode_rows(table, _read_jsonl(path)):
        batch.append(row)
        if len(batch) == BATCH:
            conn.execute(table.insert(), batch)
            count, batch = count + len(batch), []
    if batch:
        conn.execute(table.insert(), batch)
    return count + len(batch)


def _fix_sequences(conn: Connection) -> None:
    """Move each PostgreSQL id sequence past the restored rows, so new rows do not collide."""
    quote = conn.dialect.identifier_preparer
    for table in Base.metadata.sorted_tables:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or keys[0].type.python_type is not int:
            continue
        column = quote.quote(keys[0].name)
        conn.execute(
            text(f"SELECT setval(pg_get_serial_sequence(:table, :column), COALESCE(MAX({column}), 0) + 1, false) "
                 f"FROM {quote.format_table(table)}"),
            {"table": quote.format_table(table), "column": keys[0].name},
        )
