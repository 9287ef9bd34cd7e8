"""channel day slot reports beside the plan: pages that count slots read them without the ~2 MB of events

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('channel_day', sa.Column('slots', sa.JSON(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE channel_day SET slots = plan -> 'slots'")
    else:
        op.execute("UPDATE channel_day SET slots = json_extract(plan, '$.slots')")


def downgrade() -> None:
    with op.batch_alter_table('channel_day') as batch:
        batch.drop_column('slots')
