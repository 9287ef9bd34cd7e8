"""Alembic environment: the URL comes from the caller (airclass db upgrade, tests)."""
from alembic import context

from scheduler.store.db import make_engine
from scheduler.store.models import Base

target_metadata = Base.metadata


def run_migrations_online() -> None:
    """Run migrations on a live connection."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("alembic: no sqlalchemy.url and no connection given")
    engine = make_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("airclass migrations run online only")
run_migrations_online()
