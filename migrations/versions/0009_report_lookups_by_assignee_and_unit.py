"""report lookups by assignee and member unit (the inbox and report lists)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 22:50:00

"""
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reports_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reports_member_unit_id'), ['member_unit_id'], unique=False)


def downgrade():
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reports_member_unit_id'))
        batch_op.drop_index(batch_op.f('ix_reports_assignee_id'))
