"""imports: the roster's personal details on member (gender, ethnicity, birth date, education, the
ID number masked and its keyed hash), the register of imports and historical meetings' attendance

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-02 19:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('gender', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('ethnicity', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('birth_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('education', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('id_number_masked', sa.String(length=18), nullable=True))
        batch_op.add_column(sa.Column('id_number_hash', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_member_id_number_hash'), ['id_number_hash'], unique=False)

    op.create_table('import_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_import_run_actor_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_run'))
    )
    with op.batch_alter_table('import_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_run_actor_id'), ['actor_id'], unique=False)

    op.create_table('imported_meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('attendee_count', sa.Integer(), nullable=True),
    sa.Column('attendee_names', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_imported_meeting_event_id_event')),
    sa.ForeignKeyConstraint(['run_id'], ['import_run.id'], name=op.f('fk_imported_meeting_run_id_import_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_imported_meeting')),
    sa.UniqueConstraint('event_id', name=op.f('uq_imported_meeting_event_id'))
    )
    with op.batch_alter_table('imported_meeting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_imported_meeting_run_id'), ['run_id'], unique=False)


def downgrade():
    with op.batch_alter_table('imported_meeting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_imported_meeting_run_id'))
    op.drop_table('imported_meeting')
    with op.batch_alter_table('import_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_run_actor_id'))
    op.drop_table('import_run')
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_id_number_hash'))
        batch_op.drop_column('id_number_hash')
        batch_op.drop_column('id_number_masked')
        batch_op.drop_column('education')
        batch_op.drop_column('birth_date')
        batch_op.drop_column('ethnicity')
        batch_op.drop_column('gender')
