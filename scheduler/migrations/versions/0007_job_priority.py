"""job priority: workers claim the highest priority first, then the oldest

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Jobs queued before this revision are NORMAL (50), as a job submitted without a priority is.
    with op.batch_alter_table('job') as batch:
        batch.add_column(sa.Column('priority', sa.Integer(), server_default=sa.text('50'), nullable=False))
        batch.create_index('ix_job_claim_order', ['state', 'priority', 'available_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('job') as batch:
        batch.drop_index('ix_job_claim_order')
        batch.drop_column('priority')
