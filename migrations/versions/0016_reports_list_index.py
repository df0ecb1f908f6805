"""an index for a grid's reports list: its reports' ids newest first, without reading the reports

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-24 01:10:00

GET /reports?grid_id= counts and orders every report filed in the subtree to show 20 of
them; with only the origin_grid_id index that read every one of those reports (a 居民区's
180 rows, 205 buffers, 4.5 ms when not cached); this index answers it alone (36 buffers).
"""
from alembic import op


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    # IF NOT EXISTS: the bench's database got it by hand while it was measured.
    op.create_index("ix_reports_origin_grid_created", "reports", ["origin_grid_id", "created_at", "id"],
                    if_not_exists=True)


def downgrade():
    op.drop_index("ix_reports_origin_grid_created", table_name="reports")
