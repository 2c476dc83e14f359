"""bounded scan log: rejected scans tallied per event, account, phone and reason; device sync mark

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 15:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('scan_tally',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=False),
    sa.Column('device_key', sa.String(length=64), nullable=False),
    sa.Column('reason_code', sa.String(length=32), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('first_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_scan_tally_event_id_event')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_scan_tally_member_id_member')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['user_account.id'], name=op.f('fk_scan_tally_submitted_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scan_tally')),
    sa.UniqueConstraint('event_id', 'submitted_by_id', 'device_key', 'reason_code', name=op.f('uq_scan_tally_event_id_submitted_by_id_device_key_reason_code'))
    )
    with op.batch_alter_table('device', schema=None) as batch_op:
        batch_op.add_column(sa.Column('synced_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('device', schema=None) as batch_op:
        batch_op.drop_column('synced_at')
    op.drop_table('scan_tally')
