"""pre-aggregated grid figures: totals per subtree, the tail of deltas the triggers write, member pairs

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24 09:00:00

Creates the tables, the triggers (``backend.stats.triggers``) and the indexes for the live
figures, then fills the totals from the base tables. Run it with the writers stopped (or run
``flask stats rebuild`` afterwards): the backfill does not hold one snapshot.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.stats.fold import rebuild
from backend.stats.triggers import WAITING_NOT_MARKED, create_statements, drop_statements


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'grid_stat_deltas',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('grid_id', sa.Integer(), nullable=False),
        sa.Column('metric', sa.String(length=48), nullable=False),
        sa.Column('amount', sa.BigInteger(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_grid_stat_deltas')),
    )
    op.create_index('ix_grid_stat_deltas_grid_metric', 'grid_stat_deltas', ['grid_id', 'metric'], unique=False)
    op.create_table(
        'grid_stat_totals',
        sa.Column('grid_id', sa.Integer(), nullable=False),
        sa.Column('metric', sa.String(length=48), nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('grid_id', 'metric', name=op.f('pk_grid_stat_totals')),
    )
    op.create_table(
        'grid_point_members',
        sa.Column('grid_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('entries', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('grid_id', 'user_id', name=op.f('pk_grid_point_members')),
    )
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.create_index('ix_reports_waiting_deadline', ['deadline_at'], unique=False,
                              postgresql_where=sa.text(WAITING_NOT_MARKED), sqlite_where=sa.text(WAITING_NOT_MARKED))
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index('ix_tasks_deadline', ['deadline'], unique=False)
    bind = op.get_bind()
    for statement in create_statements(bind.dialect.name):
        op.execute(statement)
    rebuild(Session(bind=bind))


def downgrade():
    for statement in drop_statements(op.get_bind().dialect.name):
        op.execute(statement)
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_tasks_deadline')
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index('ix_reports_waiting_deadline')
    op.drop_table('grid_point_members')
    op.drop_table('grid_stat_totals')
    op.drop_index('ix_grid_stat_deltas_grid_metric', table_name='grid_stat_deltas')
    op.drop_table('grid_stat_deltas')
