"""Engine and session factory shared by the web app, the worker and the scheduler."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Select, create_engine, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from scheduler.domain.catalogue import Page
from scheduler.store import text_limits

MAX_PER_PAGE = 100


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets foreign keys, WAL and writer-serialising transactions."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30})
    event.listen(engine, "connect", _configure_sqlite_connection)
    event.listen(engine, "begin", _begin_immediate)
    return engine


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not pysqlite, decide when transactions begin (SQLAlchemy's pysqlite recipe).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _begin_immediate(connection: Any) -> None:
    # A deferred SQLite transaction that read a row cannot later write it once another writer
    # committed ("database is locked" at once); IMMEDIATE makes writers queue instead.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(url: str | Engine) -> sessionmaker[Session]:
    """Session factory for a database URL (or an engine already made)."""
    engine = url if isinstance(url, Engine) else make_engine(url)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    text_limits.install(factory)  # every stored string has a limit, on SQLite as on PostgreSQL
    return factory


def alembic_config(url: str) -> Any:
    """Alembic configuration pointing at airclass's migrations and the given database."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "scheduler:migrations")
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_database(url: str, revision: str = "head") -> None:
    """Bring the database schema up to date with Alembic."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def paginate(session: Session, query: Select[Any], page: int, per_page: int) -> Page[Any]:
    """One page of a select's results, with the total count."""
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(1, page)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    items = list(session.scalars(query.limit(per_page).offset((page - 1) * per_page)).unique())
    return Page(items=items, total=total, page=page, per_page=per_page)
