"""operator alert facts: what an alert's message names, for pages to word in their language

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('operator_alert', sa.Column('facts', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('operator_alert') as batch:
        batch.drop_column('facts')
