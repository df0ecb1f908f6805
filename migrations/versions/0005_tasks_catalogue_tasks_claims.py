"""tasks: catalogue, micro-tasks, claims and proof photos

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-23 19:33:44.172404

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('task_catalogue_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('group', sa.String(length=8), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('proof_photo', sa.Boolean(), nullable=False),
    sa.Column('proof_note', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_catalogue_items')),
    sa.UniqueConstraint('code', name=op.f('uq_task_catalogue_items_code'))
    )
    with op.batch_alter_table('task_catalogue_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_catalogue_items_group'), ['group'], unique=False)

    op.create_table('tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('slots', sa.Integer(), nullable=False),
    sa.Column('taken', sa.Integer(), nullable=False),
    sa.Column('deadline', sa.DateTime(timezone=True), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('proof_photo', sa.Boolean(), nullable=False),
    sa.Column('proof_note', sa.Boolean(), nullable=False),
    sa.Column('catalogue_item_id', sa.Integer(), nullable=True),
    sa.Column('report_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('points > 0', name=op.f('ck_tasks_points_positive')),
    sa.CheckConstraint('slots > 0', name=op.f('ck_tasks_slots_positive')),
    sa.CheckConstraint('taken >= 0 AND taken <= slots', name=op.f('ck_tasks_taken_within_slots')),
    sa.ForeignKeyConstraint(['catalogue_item_id'], ['task_catalogue_items.id'], name=op.f('fk_tasks_catalogue_item_id_task_catalogue_items')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_tasks_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_tasks_grid_id_grids')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tasks'))
    )
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index('ix_tasks_grid_deadline', ['grid_id', 'deadline'], unique=False)
        batch_op.create_index(batch_op.f('ix_tasks_report_id'), ['report_id'], unique=False)

    op.create_table('task_claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reject_reason', sa.String(length=200), nullable=False),
    sa.Column('rejected_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('verified_by_id', sa.Integer(), nullable=True),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('claimed', 'submitted', 'verified', 'released', 'expired')", name=op.f('ck_task_claims_status_known')),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_task_claims_task_id_tasks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_task_claims_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['verified_by_id'], ['users.id'], name=op.f('fk_task_claims_verified_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_claims'))
    )
    with op.batch_alter_table('task_claims', schema=None) as batch_op:
        batch_op.create_index('ix_task_claims_task_status', ['task_id', 'status'], unique=False)
        batch_op.create_index('ix_task_claims_user_status', ['user_id', 'status'], unique=False)
        batch_op.create_index('uq_task_claims_active', ['task_id', 'user_id'], unique=True, sqlite_where=sa.text("status <> 'released'"), postgresql_where=sa.text("status <> 'released'"))

    op.create_table('task_claim_photos',
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('upload_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['task_claims.id'], name=op.f('fk_task_claim_photos_claim_id_task_claims'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['upload_id'], ['uploads.id'], name=op.f('fk_task_claim_photos_upload_id_uploads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('claim_id', 'upload_id', name=op.f('pk_task_claim_photos'))
    )
    with op.batch_alter_table('task_claim_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_claim_photos_upload_id'), ['upload_id'], unique=False)


def downgrade():
    with op.batch_alter_table('task_claim_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_claim_photos_upload_id'))

    op.drop_table('task_claim_photos')
    with op.batch_alter_table('task_claims', schema=None) as batch_op:
        batch_op.drop_index('uq_task_claims_active', sqlite_where=sa.text("status <> 'released'"), postgresql_where=sa.text("status <> 'released'"))
        batch_op.drop_index('ix_task_claims_user_status')
        batch_op.drop_index('ix_task_claims_task_status')

    op.drop_table('task_claims')
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tasks_report_id'))
        batch_op.drop_index('ix_tasks_grid_deadline')

    op.drop_table('tasks')
    with op.batch_alter_table('task_catalogue_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_catalogue_items_group'))

    op.drop_table('task_catalogue_items')
