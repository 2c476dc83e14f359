"""recruitment: cases, their steps and contacts, assessment reminders

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 09:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

STAGES = ('applicant', 'activist', 'candidate', 'probationary', 'full', 'discontinued', 'cancelled')
KINDS = ('application', 'talk', 'activist', 'assessment', 'candidate', 'political_review', 'training',
         'committee_review', 'pre_review', 'admission_vote', 'admission_approval', 'conversion_discussion',
         'conversion_approval', 'discontinued')
BODIES = ('applicant', 'branch', 'contacts', 'branch_committee', 'general_assembly', 'superior_committee')


def _enum(values, name):
    return sa.Enum(*values, name=name, native_enum=False, length=32)


def upgrade():
    op.create_table('recruitment_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('gender', _enum(('male', 'female'), 'gender'), nullable=True),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('stage', _enum(STAGES, 'recruitmentstage'), nullable=False),
    sa.Column('applied_on', sa.Date(), nullable=False),
    sa.Column('probation_ends_on', sa.Date(), nullable=True),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_recruitment_case_branch_id_branch')),
    sa.ForeignKeyConstraint(['group_id'], ['party_group.id'], name=op.f('fk_recruitment_case_group_id_party_group')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_recruitment_case_member_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recruitment_case')),
    sa.UniqueConstraint('member_id', name=op.f('uq_recruitment_case_member_id'))
    )
    with op.batch_alter_table('recruitment_case', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recruitment_case_branch_id'), ['branch_id'], unique=False)

    op.create_table('recruitment_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', _enum(KINDS, 'stepkind'), nullable=False),
    sa.Column('on_date', sa.Date(), nullable=False),
    sa.Column('decided_by', _enum(BODIES, 'body'), nullable=True),
    sa.Column('document', sa.String(length=200), nullable=True),
    sa.Column('filing_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=2000), nullable=True),
    sa.Column('votes_for', sa.Integer(), nullable=True),
    sa.Column('votes_against', sa.Integer(), nullable=True),
    sa.Column('abstentions', sa.Integer(), nullable=True),
    sa.Column('present', sa.Integer(), nullable=True),
    sa.Column('entitled', sa.Integer(), nullable=True),
    sa.Column('outcome', _enum(('convert', 'extend', 'cancel'), 'outcome'), nullable=True),
    sa.Column('extension_months', sa.Integer(), nullable=True),
    sa.Column('from_stage', _enum(STAGES, 'recruitmentstage'), nullable=True),
    sa.Column('to_stage', _enum(STAGES, 'recruitmentstage'), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['recruitment_case.id'], name=op.f('fk_recruitment_step_case_id_recruitment_case')),
    sa.ForeignKeyConstraint(['filing_id'], ['filing.id'], name=op.f('fk_recruitment_step_filing_id_filing')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_recruitment_step_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recruitment_step'))
    )
    with op.batch_alter_table('recruitment_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recruitment_step_case_id'), ['case_id'], unique=False)

    op.create_table('recruitment_contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('assigned_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['user_account.id'], name=op.f('fk_recruitment_contact_assigned_by_id_user_account')),
    sa.ForeignKeyConstraint(['case_id'], ['recruitment_case.id'], name=op.f('fk_recruitment_contact_case_id_recruitment_case')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_recruitment_contact_member_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recruitment_contact'))
    )
    with op.batch_alter_table('recruitment_contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recruitment_contact_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recruitment_contact_member_id'), ['member_id'], unique=False)

    op.create_table('recruitment_reminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['recruitment_case.id'], name=op.f('fk_recruitment_reminder_case_id_recruitment_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recruitment_reminder')),
    sa.UniqueConstraint('case_id', 'due_on', name=op.f('uq_recruitment_reminder_case_id_due_on'))
    )


def downgrade():
    op.drop_table('recruitment_reminder')
    with op.batch_alter_table('recruitment_contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recruitment_contact_member_id'))
        batch_op.drop_index(batch_op.f('ix_recruitment_contact_case_id'))
    op.drop_table('recruitment_contact')
    with op.batch_alter_table('recruitment_step', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recruitment_step_case_id'))
    op.drop_table('recruitment_step')
    with op.batch_alter_table('recruitment_case', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recruitment_case_branch_id'))
    op.drop_table('recruitment_case')
