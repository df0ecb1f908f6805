"""reports indexed by the grid they wait at and their status (ix_reports_grid_status for ix_reports_grid_id)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 23:30:00

The inbox looks up each grid of a leader's subtree for its waiting reports. With grid_id alone
the index gave every report a grid ever had, and PostgreSQL preferred to AND it with the status
index, reading every waiting report in the city (10 ms for a 居民区's leader). The composite's
prefix serves every lookup by grid_id alone, so the narrow index goes.
"""
from alembic import op


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_reports_grid_status", "reports", ["grid_id", "status"])
    op.drop_index("ix_reports_grid_id", table_name="reports")


def downgrade():
    op.create_index("ix_reports_grid_id", "reports", ["grid_id"])
    op.drop_index("ix_reports_grid_status", table_name="reports")
