"""work queue (media jobs)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

JOB_STATE = sa.Enum(
    'queued', 'running', 'succeeded', 'failed', 'cancelled', name='jobstate', native_enum=False, length=32
)
# A dedupe key names at most one queued, running or succeeded job.
LIVE_JOB = sa.text("state IN ('queued', 'running', 'succeeded')")


def upgrade() -> None:
    op.create_table('job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('state', JOB_STATE, nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('result', sa.JSON(none_as_null=True), nullable=True),
    sa.Column('dedupe_key', sa.String(length=200), nullable=True),
    sa.Column('submitted_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('available_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('dispatched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('worker_id', sa.String(length=200), nullable=True),
    sa.Column('lease_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['submitted_by'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.create_index('ix_job_state_available_at', ['state', 'available_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_submitted_by'), ['submitted_by'], unique=False)
        batch_op.create_index(
            'uq_job_live_dedupe_key', ['dedupe_key'], unique=True, sqlite_where=LIVE_JOB, postgresql_where=LIVE_JOB
        )


def downgrade() -> None:
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_index('uq_job_live_dedupe_key')
        batch_op.drop_index(batch_op.f('ix_job_submitted_by'))
        batch_op.drop_index('ix_job_state_available_at')

    op.drop_table('job')
