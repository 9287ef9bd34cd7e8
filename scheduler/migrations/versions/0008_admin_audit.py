"""admin audit trail: every change to accounts and channels, append-only like the review trail

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

ACTIONS = ('user_created', 'user_edited', 'user_disabled', 'user_enabled', 'password_reset', 'password_changed',
           'channel_created', 'channel_edited', 'template_saved')
ROLES = ('teacher', 'county_reviewer', 'city_reviewer', 'final_reviewer', 'operator', 'admin', 'auditor', 'system')


def upgrade() -> None:
    op.create_table(
        'admin_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('role', sa.Enum(*ROLES, name='role', native_enum=False, length=32), nullable=False),
        sa.Column('action', sa.Enum(*ACTIONS, name='adminaction', native_enum=False, length=32), nullable=False),
        sa.Column('target_kind', sa.String(length=16), nullable=False),
        sa.Column('target_id', sa.String(length=100), nullable=False),
        sa.Column('changes', sa.JSON(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['app_user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_admin_event_at', 'admin_event', ['at'])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION admin_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'admin_event is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER admin_event_append_only BEFORE UPDATE OR DELETE ON admin_event "
            "FOR EACH ROW EXECUTE FUNCTION admin_event_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER admin_event_no_{verb.lower()} BEFORE {verb} ON admin_event "
                "BEGIN SELECT RAISE(ABORT, 'admin_event is append-only'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER admin_event_append_only ON admin_event")
        op.execute("DROP FUNCTION admin_event_append_only()")
    else:
        op.execute("DROP TRIGGER admin_event_no_update")
        op.execute("DROP TRIGGER admin_event_no_delete")
    op.drop_index('ix_admin_event_at', table_name='admin_event')
    op.drop_table('admin_event')
