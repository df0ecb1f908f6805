"""index-backed subtree queries: byte-order grid paths on PostgreSQL, people by grid

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 22:20:00

A subtree is ``path LIKE '/1/5/%'``. Under the database's locale collation
(C.UTF-8, en_US.UTF-8) PostgreSQL cannot answer that from a btree index, so every
subtree query read the whole table. With the "C" collation it is an index range.
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

PATH_COLUMNS = (("grids", "path"), ("point_entries", "grid_path"), ("activities", "grid_path"))


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table, column in PATH_COLUMNS:
            op.execute(f'ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar(255) COLLATE "C"')
            # The rewrite drops the column's statistics; without them prefix ranges are misjudged.
            op.execute(f"ANALYZE {table}")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_grid_id'), ['grid_id'], unique=False)


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_grid_id'))
    if op.get_bind().dialect.name == "postgresql":
        for table, column in PATH_COLUMNS:
            op.execute(f'ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar(255) COLLATE "default"')
