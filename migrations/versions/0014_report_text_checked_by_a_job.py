"""reports' text content check as a job: its verdict, and the pending checks the tick re-asks

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-24 00:55:00

A report's description and address are checked by WeChat after the submission is
committed, not inside it; until the verdict the report is shown only to its
reporter and the staff. Reports filed before this were checked in the request.
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

PENDING = sa.text("text_review = 'pending'")


def upgrade():
    # Not batch mode: on SQLite that would rebuild the table and lose its statistics triggers.
    op.add_column('reports', sa.Column('text_review', sa.String(length=16), nullable=False, server_default='pass'))
    op.create_index('ix_reports_text_review_pending', 'reports', ['created_at'],
                    postgresql_where=PENDING, sqlite_where=PENDING)


def downgrade():
    op.drop_index('ix_reports_text_review_pending', table_name='reports')
    op.drop_column('reports', 'text_review')
