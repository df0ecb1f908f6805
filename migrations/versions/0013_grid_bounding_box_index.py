"""a GiST index on grids' bounding boxes (PostgreSQL): which grid a spot lies in

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23 23:20:00

Every report asks which grid contains its spot. Four range conditions on the box
columns can't use a btree (each matches half the city), so that read every grid.
"""
from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_grids_bbox ON grids USING gist (box(point(min_lng, min_lat), point(max_lng, max_lat)))")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_grids_bbox")
