"""Throw-away migrated databases for tests: a copy of a SQLite template, or a new PostgreSQL database."""
from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from scheduler.store.db import upgrade_database


@contextmanager
def migrated_copy(template_url: str, folder: Path, prefix: str) -> Iterator[str]:
    """SQLite: a copy of the migrated template file. PostgreSQL: a new database on the same server,
    migrated to head and dropped afterwards (template_url names any database there, e.g. the admin one)."""
    if template_url.startswith("sqlite"):
        copy = folder / f"{prefix}.sqlite3"
        shutil.copy(template_url.removeprefix("sqlite:///"), copy)
        yield f"sqlite:///{copy}"
        return
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(template_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(template_url).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade_database(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
