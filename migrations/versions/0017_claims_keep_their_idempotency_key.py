"""claims keep the client's Idempotency-Key, as check-ins do

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-24 03:20:00

A keyed claim took four statements: authentication, claiming the key in
idempotency_records, the claim, storing the answer. With the key on the claim itself
the claim's one statement also finds a retry's first claim, as a check-in's does.
Plain ADD COLUMN and CREATE INDEX (and DROP COLUMN back): SQLite's batch mode would
rebuild the table and lose the statistics triggers on it.
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("task_claims", sa.Column("client_key", sa.String(length=64), nullable=True))
    op.create_index("uq_task_claims_user_key", "task_claims", ["user_id", "client_key"], unique=True)


def downgrade():
    op.drop_index("uq_task_claims_user_key", table_name="task_claims")
    op.drop_column("task_claims", "client_key")
