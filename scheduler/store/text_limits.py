"""Every stored string has a limit, on every database: checked when a session flushes, before any SQL is sent.

A String(n) column holds n characters (PostgreSQL would refuse more with a DataError, a 500; SQLite would
store anything). A Text column holds TEXT_LIMITS[table.column] characters, or DEFAULT_TEXT_CHARS: a person's
comment is capped where they type it, the system's messages (job errors, alerts) generously. A longer value
raises TextTooLong (a CatalogueError: 422 with the field named, in the page's language on a page) and
nothing of the flush is written. JSON documents are checked by their own rules (a template's slot titles in
domain/channels.py) and by the request body limit (web/request_limits.py).
"""
from __future__ import annotations

from itertools import chain
from typing import Any

from sqlalchemy import String, Text, event, inspect
from sqlalchemy.orm import Session, sessionmaker

from scheduler.domain.catalogue import TextTooLong

DEFAULT_TEXT_CHARS = 100_000
TEXT_LIMITS = {"audit_event.comment": 4000}  # what people type (the API's comment limit); notes quote comments


def column_limit(table: str, column: Any) -> int | None:
    """The number of characters a column holds, None for a column that holds no text."""
    kind = column.type
    if isinstance(kind, Text):
        return TEXT_LIMITS.get(f"{table}.{column.key}", DEFAULT_TEXT_CHARS)
    if isinstance(kind, String):
        return kind.length
    return None


def check_lengths(session: Session, _context: Any, _instances: Any) -> None:
    """Refuse the flush if a new or changed row holds a string past its column's limit."""
    for row in chain(session.new, session.dirty):
        state = inspect(row)
        for attribute in state.mapper.column_attrs:
            value = state.dict.get(attribute.key)  # loaded values only: a check must not load anything
            column = attribute.columns[0]
            if not isinstance(value, str) or getattr(column, "table", None) is None:
                continue
            limit = column_limit(column.table.name, column)
            if limit is not None and len(value) > limit:
                raise TextTooLong(attribute.key, limit, len(value))


def install(factory: sessionmaker[Session]) -> None:
    """Check the strings of every session the factory makes."""
    event.listen(factory, "before_flush", check_lengths)
