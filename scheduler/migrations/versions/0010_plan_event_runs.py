"""a stored plan keeps the passes of a looped clip as one entry with "passes": ~2 MB of JSON a demo day becomes ~7 KB

Self-contained (plain dicts): the rows are rewritten as scheduler.store.plan_json writes them, and
written back one event a pass on the way down.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

channel_day = sa.table('channel_day', sa.column('id', sa.Integer()), sa.column('plan', sa.JSON()))


def _runs(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    runs: list[dict[str, Any]] = []
    for event in events:
        run = runs[-1] if runs else None
        passes = run.get('passes', 1) if run else 0
        if run and {**run, 'start': event['start'], 'passes': 1} == {**event, 'passes': 1} \
                and event['start'] == run['start'] + passes * run['length']:
            run['passes'] = passes + 1
        else:
            runs.append(dict(event))
    return runs


def _events(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    events = []
    for run in runs:
        one = {key: value for key, value in run.items() if key != 'passes'}
        events += [{**one, 'start': run['start'] + n * run['length']} for n in range(run.get('passes', 1))]
    return events


def _rewrite(change: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]) -> None:
    bind = op.get_bind()
    for row_id in bind.scalars(sa.select(channel_day.c.id).order_by(channel_day.c.id)).all():
        plan = bind.execute(sa.select(channel_day.c.plan).where(channel_day.c.id == row_id)).scalar_one()
        bind.execute(channel_day.update().where(channel_day.c.id == row_id)
                     .values(plan={**plan, 'events': change(plan['events'])}))


def upgrade() -> None:
    _rewrite(_runs)


def downgrade() -> None:
    _rewrite(_events)
