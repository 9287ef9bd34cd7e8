"""failed sign-ins for login throttling

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

from scheduler.store.models import UTCDateTime

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'login_attempt',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('username', sa.String(length=200), nullable=False),
        sa.Column('address', sa.String(length=200), nullable=False),
        sa.Column('attempted_at', UTCDateTime(), nullable=False),
    )
    op.create_index('ix_login_attempt_attempted_at', 'login_attempt', ['attempted_at'])
    op.create_index('ix_login_attempt_key', 'login_attempt', ['username', 'address', 'attempted_at'])


def downgrade() -> None:
    op.drop_index('ix_login_attempt_key', table_name='login_attempt')
    op.drop_index('ix_login_attempt_attempted_at', table_name='login_attempt')
    op.drop_table('login_attempt')
