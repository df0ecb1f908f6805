"""drop ix_reports_origin_grid_id: ix_reports_origin_grid_created (0016) starts with the same column

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-24 04:00:00

Every lookup by origin_grid_id alone is answered by the wider index's prefix; the narrow one
only cost every filed report one more index entry to write.
"""
from alembic import op


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_reports_origin_grid_id", table_name="reports")


def downgrade():
    op.create_index("ix_reports_origin_grid_id", "reports", ["origin_grid_id"])
