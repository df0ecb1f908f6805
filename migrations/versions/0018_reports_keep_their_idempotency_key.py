"""reports keep the client's Idempotency-Key, as check-ins and claims do

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-24 03:30:00

A keyed submission took two statements for its key (claiming it in idempotency_records,
then storing the answer's JSON there); with the key on the report, the report's own
INSERT finds a concurrent twin, and a retry is told by its photos, already attached.
Plain ADD COLUMN and CREATE INDEX, as in 0017: the reports carry statistics triggers.
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("reports", sa.Column("client_key", sa.String(length=64), nullable=True))
    op.create_index("uq_reports_reporter_key", "reports", ["reporter_id", "client_key"], unique=True)


def downgrade():
    op.drop_index("uq_reports_reporter_key", table_name="reports")
    op.drop_column("reports", "client_key")
