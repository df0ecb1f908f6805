"""a task made from a report points at it with a foreign key

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23 23:00:00

0005 added tasks.report_id without the key: the tasks and reports branches met
only at 0007, so 0005 could not name the reports table.
"""
from contextlib import contextmanager

from alembic import op

from backend.stats.triggers import create_statements, drop_statements


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with _rebuilding_tables():
        with op.batch_alter_table('tasks', schema=None) as batch_op:
            batch_op.create_foreign_key(batch_op.f('fk_tasks_report_id_reports'), 'reports', ['report_id'], ['id'],
                                        ondelete='SET NULL')


def downgrade():
    with _rebuilding_tables():
        with op.batch_alter_table('tasks', schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f('fk_tasks_report_id_reports'), type_='foreignkey')


@contextmanager
def _rebuilding_tables():
    """SQLite adds a key by rebuilding the table, which drops the statistics triggers on it
    and trips over the others that name it: take them all off while it does, then put them back."""
    dialect = op.get_bind().dialect.name
    if dialect != "sqlite":
        yield
        return
    for statement in drop_statements(dialect):
        op.execute(statement)
    yield
    for statement in create_statements(dialect):
        op.execute(statement)
