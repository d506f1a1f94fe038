"""Administrators' sessions kept on the server; sign-in failures counted per account and source.

A session cookie now names a row of ``admin_session`` (by the SHA-256 of a random key), so that
signing out, ending every session and a new password end it on the server. Wrong passwords lock
the source they come from (an IP address, an IPv6 /64) out of one account in
``admin_sign_in_failure``, rather than the account for everyone: the administrator's own
``failed_sign_ins`` and ``locked_until`` go. Sessions opened before the upgrade end with it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    # First, while no table refers to it: SQLite's batch mode copies the table to drop a column.
    with op.batch_alter_table("administrator", schema=None) as batch_op:
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failed_sign_ins")

    op.create_table(
        "admin_session",
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("administrator_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["administrator_id"],
            ["administrator.id"],
            name=op.f("fk_admin_session_administrator_id_administrator"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key_hash", name=op.f("pk_admin_session")),
    )
    with op.batch_alter_table("admin_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_admin_session_administrator_id"), ["administrator_id"], unique=False)

    op.create_table(
        "admin_sign_in_failure",
        sa.Column("administrator_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["administrator_id"],
            ["administrator.id"],
            name=op.f("fk_admin_sign_in_failure_administrator_id_administrator"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("administrator_id", "source", name=op.f("pk_admin_sign_in_failure")),
    )


def downgrade():
    # The accounts come back unlocked, with no failures counted.
    with op.batch_alter_table("administrator", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failed_sign_ins", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("administrator", schema=None) as batch_op:
        batch_op.alter_column("failed_sign_ins", server_default=None)

    op.drop_table("admin_sign_in_failure")
    with op.batch_alter_table("admin_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_admin_session_administrator_id"))

    op.drop_table("admin_session")
