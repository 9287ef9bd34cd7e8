"""recording ingest: technical QC report and renditions per recording

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

from scheduler.store.models import UTCDateTime

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'recording_ingest',
        sa.Column('recording_id', sa.Integer(), sa.ForeignKey('recording.id'), primary_key=True),
        sa.Column('checksum', sa.String(length=64), nullable=False),
        sa.Column('qc_status', sa.String(length=8), nullable=False),
        sa.Column('qc_failed', sa.String(length=200), nullable=True),
        sa.Column('qc_report', sa.JSON(), nullable=False),
        sa.Column('renditions', sa.JSON(), nullable=False),
        sa.Column('loudness_gain_db', sa.Float(), nullable=False),
        sa.Column('finished_at', UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table('recording_ingest')
