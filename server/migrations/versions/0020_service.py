"""service: service posts and their assignments (SPEC system 6); a member's own study and service
records (the phone's id for the submission, the post, the photo's file) and the branch's refusal

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 18:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('service_post',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('responsibility_zone', 'vanguard_post', 'model_household', 'commitment', 'set_post', 'pairing_support', 'volunteering', name='servicepostkind', native_enum=False, length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.String(length=2000), nullable=True),
    sa.Column('cadence', sa.Enum('month', 'quarter', 'year', name='servicecadence', native_enum=False, length=32), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('source', sa.String(length=100), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_service_post_branch_id_branch')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_service_post_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_post'))
    )
    with op.batch_alter_table('service_post', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_post_branch_id'), ['branch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_post_source'), ['source'], unique=False)

    op.create_table('service_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_service_assignment_member_id_member')),
    sa.ForeignKeyConstraint(['post_id'], ['service_post.id'], name=op.f('fk_service_assignment_post_id_service_post')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_assignment'))
    )
    with op.batch_alter_table('service_assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_assignment_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_assignment_post_id'), ['post_id'], unique=False)

    with op.batch_alter_table('record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('service_post_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('photo', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('photo_type', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('refused_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('refused_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('refused_reason', sa.String(length=500), nullable=True))
        batch_op.create_index(batch_op.f('ix_record_service_post_id'), ['service_post_id'], unique=False)
        batch_op.create_unique_constraint('uq_record_member_client_id', ['member_id', 'client_id'])
        batch_op.create_foreign_key(batch_op.f('fk_record_service_post_id_service_post'), 'service_post', ['service_post_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_record_refused_by_id_user_account'), 'user_account', ['refused_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('record', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_record_refused_by_id_user_account'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_record_service_post_id_service_post'), type_='foreignkey')
        batch_op.drop_constraint('uq_record_member_client_id', type_='unique')
        batch_op.drop_index(batch_op.f('ix_record_service_post_id'))
        batch_op.drop_column('refused_reason')
        batch_op.drop_column('refused_by_id')
        batch_op.drop_column('refused_at')
        batch_op.drop_column('photo_type')
        batch_op.drop_column('photo')
        batch_op.drop_column('service_post_id')
        batch_op.drop_column('client_id')

    with op.batch_alter_table('service_assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_assignment_post_id'))
        batch_op.drop_index(batch_op.f('ix_service_assignment_member_id'))
    op.drop_table('service_assignment')

    with op.batch_alter_table('service_post', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_post_source'))
        batch_op.drop_index(batch_op.f('ix_service_post_branch_id'))
    op.drop_table('service_post')
