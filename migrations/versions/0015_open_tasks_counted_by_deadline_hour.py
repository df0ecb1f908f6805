"""open tasks counted by the hour of their deadline, so a stats read counts only this hour's live

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-24 01:30:00

The statistics triggers are re-created from the current specs: the tasks' now also write
``tasks.open.YYYYMMDDHH`` (UTC) for a task with a free slot, and fire when its deadline or its
being full changes; a deleted report, activity or task locks its children before taking their
figures back. The open tasks due from this hour on are added as deltas, which the next fold takes
into the totals (fast at any scale: one grouped INSERT … SELECT). Hours gone by are never read,
and the fold drops their totals (the partial index finds them).
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

from backend.stats.models import HOURS
from backend.stats.triggers import OPEN_PREFIX, create_statements, drop_statements, hour_sql


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    dialect = op.get_bind().dialect.name
    for statement in drop_statements(dialect) + create_statements(dialect):
        op.execute(statement)
    op.create_index('ix_grid_stat_totals_hours', 'grid_stat_totals', ['metric'],
                    postgresql_where=HOURS, sqlite_where=HOURS)
    _forget_hours()  # a database built by 0011 with these triggers already counted them
    hour_start = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    op.get_bind().execute(sa.text(
        "INSERT INTO grid_stat_deltas (grid_id, metric, amount)"
        f" SELECT grid_id, '{OPEN_PREFIX}' || {hour_sql(dialect, 'deadline')}, count(*) FROM tasks"
        " WHERE taken < slots AND deadline >= :hour_start GROUP BY 1, 2"
    ).bindparams(sa.bindparam("hour_start", type_=sa.DateTime(timezone=True))), {"hour_start": hour_start})


def downgrade():
    # The triggers keep the current specs, as with every migration that re-creates them.
    _forget_hours()
    op.drop_index('ix_grid_stat_totals_hours', table_name='grid_stat_totals')


def _forget_hours():
    op.execute(f"DELETE FROM grid_stat_totals WHERE {HOURS.text}")
    op.execute(f"DELETE FROM grid_stat_deltas WHERE {HOURS.text}")
