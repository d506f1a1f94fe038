"""Sharing and administration: share links, hidden names, running tallies, administrators, audit log.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "administrator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("failed_sign_ins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_sign_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_administrator")),
        sa.UniqueConstraint("email", name=op.f("uq_administrator_email")),
    )
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=254), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_created_at"), ["created_at"], unique=False)

    op.create_table(
        "share_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share_link")),
        sa.UniqueConstraint("code", name=op.f("uq_share_link_code")),
    )
    op.create_table(
        "signature_tally",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("shard", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "key", "shard", name=op.f("pk_signature_tally")),
    )

    # Existing rows get their domain from the canonical address, then the column loses its default.
    with op.batch_alter_table("signature", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_domain", sa.String(length=254), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE signature SET email_domain = split_part(email_canonical, '@', 2)")
    else:
        op.execute("UPDATE signature SET email_domain = substr(email_canonical, instr(email_canonical, '@') + 1)")
    with op.batch_alter_table("signature", schema=None) as batch_op:
        batch_op.alter_column("email_domain", server_default=None)
        batch_op.create_index(batch_op.f("ix_signature_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_signature_email_domain"), ["email_domain"], unique=False)
        batch_op.create_index(batch_op.f("ix_signature_ip"), ["ip"], unique=False)
        batch_op.create_index("ix_signature_public_list", ["confirmed_at", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("signature", schema=None) as batch_op:
        batch_op.drop_index("ix_signature_public_list")
        batch_op.drop_index(batch_op.f("ix_signature_ip"))
        batch_op.drop_index(batch_op.f("ix_signature_email_domain"))
        batch_op.drop_index(batch_op.f("ix_signature_created_at"))
        batch_op.drop_column("hidden_at")
        batch_op.drop_column("email_domain")

    op.drop_table("signature_tally")
    op.drop_table("share_link")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_created_at"))
        batch_op.drop_index(batch_op.f("ix_audit_event_action"))

    op.drop_table("audit_event")
    op.drop_table("administrator")
