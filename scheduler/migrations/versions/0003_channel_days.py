"""channels, filler clips, channel days, operator alerts, timed jobs

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

from scheduler.store.models import UTCDateTime

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

DAY_STATUS = sa.Enum('draft', 'published', 'superseded', name='daystatus', native_enum=False, length=32)


def upgrade() -> None:
    op.create_table(
        'channel',
        sa.Column('id', sa.String(length=100), primary_key=True),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('grades', sa.JSON(), nullable=False),
        sa.Column('settings', sa.JSON(), nullable=False),
        sa.Column('template', sa.JSON(), nullable=False),
        sa.Column('retired', sa.Boolean(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
    )
    op.create_table(
        'filler_clip',
        sa.Column('id', sa.String(length=64), primary_key=True),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('media_name', sa.String(length=200), nullable=False),
        sa.Column('frames', sa.Integer(), nullable=False),
    )
    op.create_table(
        'channel_day',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('channel_id', sa.String(length=100), sa.ForeignKey('channel.id'), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('status', DAY_STATUS, nullable=False),
        sa.Column('plan', sa.JSON(), nullable=False),
        sa.Column('feeds', sa.JSON(), nullable=True),
        sa.Column('recording_ids', sa.JSON(), nullable=False),
        sa.Column('problems', sa.Integer(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('created_by', sa.Integer(), sa.ForeignKey('app_user.id'), nullable=True),
        sa.Column('published_at', UTCDateTime(), nullable=True),
        sa.Column('published_by', sa.Integer(), sa.ForeignKey('app_user.id'), nullable=True),
        sa.UniqueConstraint('channel_id', 'day', 'version'),
    )
    op.create_index('ix_channel_day_channel_id', 'channel_day', ['channel_id'])
    for status in ('draft', 'published'):
        where = sa.text(f"status = '{status}'")
        op.create_index(f'channel_day_one_{status}', 'channel_day', ['channel_id', 'day'], unique=True,
                        sqlite_where=where, postgresql_where=where)
    op.create_table(
        'operator_alert',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('channel_id', sa.String(length=100), sa.ForeignKey('channel.id'), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('recording_id', sa.Integer(), sa.ForeignKey('recording.id'), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('acknowledged_at', UTCDateTime(), nullable=True),
        sa.Column('acknowledged_by', sa.Integer(), sa.ForeignKey('app_user.id'), nullable=True),
    )
    op.create_index('ix_operator_alert_channel_id', 'operator_alert', ['channel_id'])
    op.create_table(
        'timed_job',
        sa.Column('id', sa.String(length=64), primary_key=True),
        sa.Column('description', sa.String(length=200), nullable=False),
        sa.Column('trigger', sa.String(length=200), nullable=False),
        sa.Column('next_run_at', UTCDateTime(), nullable=True),
        sa.Column('last_run_at', UTCDateTime(), nullable=True),
        sa.Column('last_outcome', sa.String(length=16), nullable=True),
        sa.Column('last_message', sa.Text(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table('timed_job')
    op.drop_index('ix_operator_alert_channel_id', 'operator_alert')
    op.drop_table('operator_alert')
    for status in ('draft', 'published'):
        op.drop_index(f'channel_day_one_{status}', 'channel_day')
    op.drop_index('ix_channel_day_channel_id', 'channel_day')
    op.drop_table('channel_day')
    op.drop_table('filler_clip')
    op.drop_table('channel')
