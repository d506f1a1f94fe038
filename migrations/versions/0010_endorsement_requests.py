"""Organisations ask to endorse: their requests, the asks for a figures link, and the link from an
outbox message to the request it is about.

``endorsement_request`` keeps each request, from the contact's confirmation to an administrator's
decision, and the organisation it added once approved. ``received_figures_ask`` holds, for a few
seconds, an address someone gave to receive an organisation's figures link, until a sender
matches it against the contact's. ``outbox_message.endorsement_request_id`` lets the purge of
requests never confirmed delete their emails, as ``signature_id`` does for signatures.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

REQUEST_KINDS = ("endorsement_confirm", "endorsement_approved", "endorsement_declined", "figures_link")


def upgrade():
    op.create_table(
        "endorsement_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "unconfirmed",
                "confirmed",
                "approved",
                "declined",
                name="requeststatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("website", sa.String(length=300), nullable=True),
        sa.Column("province", sa.String(length=2), nullable=True),
        sa.Column("contact_name", sa.String(length=100), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=False),
        sa.Column("contact_email_canonical", sa.String(length=254), nullable=False),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("token_nonce", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("emailed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=254), nullable=True),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.Column("endorsement_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["endorsement_id"],
            ["endorsement.id"],
            name=op.f("fk_endorsement_request_endorsement_id_endorsement"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_endorsement_request")),
    )
    with op.batch_alter_table("endorsement_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_endorsement_request_contact_email_canonical"), ["contact_email_canonical"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_endorsement_request_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_endorsement_request_endorsement_id"), ["endorsement_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_endorsement_request_status"), ["status"], unique=False)

    op.create_table(
        "received_figures_ask",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_received_figures_ask")),
    )
    with op.batch_alter_table("received_figures_ask", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_received_figures_ask_received_at"), ["received_at"], unique=False)

    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("endorsement_request_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_outbox_message_endorsement_request_id"), ["endorsement_request_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_message_endorsement_request_id_endorsement_request"),
            "endorsement_request",
            ["endorsement_request_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    waiting = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT count(*) FROM outbox_message WHERE status IN ('queued', 'sending') AND kind IN :kinds"
            ).bindparams(sa.bindparam("kinds", REQUEST_KINDS, expanding=True))
        )
        .scalar_one()
    )
    if waiting:
        # The older code has no kind to render these with, and would fail them for good.
        raise RuntimeError(
            f"{waiting} email(s) to organisations' contacts wait in the outbox: let the mail worker send "
            "them, then downgrade."
        )
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_outbox_message_endorsement_request_id_endorsement_request"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_outbox_message_endorsement_request_id"))
        batch_op.drop_column("endorsement_request_id")

    with op.batch_alter_table("received_figures_ask", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_received_figures_ask_received_at"))
    op.drop_table("received_figures_ask")

    # The organisations approved stay on the list; only the requests that brought them go.
    with op.batch_alter_table("endorsement_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_endorsement_request_status"))
        batch_op.drop_index(batch_op.f("ix_endorsement_request_endorsement_id"))
        batch_op.drop_index(batch_op.f("ix_endorsement_request_created_at"))
        batch_op.drop_index(batch_op.f("ix_endorsement_request_contact_email_canonical"))
    op.drop_table("endorsement_request")
