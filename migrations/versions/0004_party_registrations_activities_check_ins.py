"""party: registrations, activities, check-ins

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-23 19:31:04.045917

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('activities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('grid_path', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=64), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('place', sa.String(length=100), nullable=False),
    sa.Column('lat', sa.Double(), nullable=True),
    sa.Column('lng', sa.Double(), nullable=True),
    sa.Column('checkin_radius_m', sa.Integer(), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('checked_in', sa.Integer(), nullable=False),
    sa.Column('service_minutes', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('checked_in <= capacity', name=op.f('ck_activities_within_capacity')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_activities_ends_after_start')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_activities_created_by_id_users')),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_activities_grid_id_grids')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activities'))
    )
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activities_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_activities_grid_path'), ['grid_path'], unique=False)
        batch_op.create_index(batch_op.f('ix_activities_starts_at'), ['starts_at'], unique=False)

    op.create_table('party_registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('employer_org', sa.String(length=100), nullable=False),
    sa.Column('employer_party_org', sa.String(length=100), nullable=False),
    sa.Column('skills', sa.JSON(), nullable=False),
    sa.Column('available_times', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reject_reason', sa.String(length=200), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_party_registrations_decided_by_id_users')),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_party_registrations_grid_id_grids')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_party_registrations_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_party_registrations'))
    )
    with op.batch_alter_table('party_registrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_party_registrations_employer_party_org'), ['employer_party_org'], unique=False)
        batch_op.create_index(batch_op.f('ix_party_registrations_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_party_registrations_user_id'), ['user_id'], unique=False)
        batch_op.create_index('uq_party_registrations_pending_user', ['user_id'], unique=True, sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))

    op.create_table('checkins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('checked_out_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('service_minutes', sa.Integer(), nullable=True),
    sa.Column('via', sa.String(length=8), nullable=False),
    sa.Column('within_radius', sa.Boolean(), nullable=True),
    sa.Column('distance_band', sa.String(length=16), nullable=True),
    sa.Column('client_key', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_checkins_activity_id_activities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_checkins_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkins')),
    sa.UniqueConstraint('activity_id', 'user_id', name=op.f('uq_checkins_activity_id_user_id')),
    sa.UniqueConstraint('user_id', 'client_key', name=op.f('uq_checkins_user_id_client_key'))
    )


def downgrade():
    op.drop_table('checkins')
    with op.batch_alter_table('party_registrations', schema=None) as batch_op:
        batch_op.drop_index('uq_party_registrations_pending_user', sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
        batch_op.drop_index(batch_op.f('ix_party_registrations_user_id'))
        batch_op.drop_index(batch_op.f('ix_party_registrations_grid_id'))
        batch_op.drop_index(batch_op.f('ix_party_registrations_employer_party_org'))

    op.drop_table('party_registrations')
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activities_starts_at'))
        batch_op.drop_index(batch_op.f('ix_activities_grid_path'))
        batch_op.drop_index(batch_op.f('ix_activities_grid_id'))

    op.drop_table('activities')
