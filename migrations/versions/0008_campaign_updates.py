"""Campaign updates: an update in two languages, the signers it goes to, and refused addresses.

``campaign_update`` holds what an administrator wrote and how its sending stands;
``update_recipient`` fixes, when sending starts, the signers it goes to, one row each (its
primary key is what keeps anyone from receiving an update twice), and which outbox message
carries it. ``suppressed_address`` lists the addresses whose server refused mail for good, which
later updates leave out. Outbox messages may now end as ``dropped`` (no longer wanted); the
status column is a plain string, so that needs no change here.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

WAITING = sa.text("queued_at IS NULL AND NOT skipped")
UPDATE_KINDS = ("update", "update_test")


def upgrade():
    op.create_table(
        "campaign_update",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_en", sa.String(length=200), nullable=False),
        sa.Column("body_en", sa.Text(), nullable=False),
        sa.Column("subject_fr", sa.String(length=200), nullable=False),
        sa.Column("body_fr", sa.Text(), nullable=False),
        sa.Column("provinces", sa.JSON(none_as_null=True), nullable=True),
        sa.Column(
            "status",
            sa.Enum("draft", "sending", "sent", "cancelled", name="updatestatus", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("created_by", sa.String(length=254), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recipients_en", sa.Integer(), nullable=False),
        sa.Column("recipients_fr", sa.Integer(), nullable=False),
        sa.Column("sending_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("turn", sa.Integer(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_update")),
    )
    with op.batch_alter_table("campaign_update", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaign_update_status"), ["status"], unique=False)

    op.create_table(
        "suppressed_address",
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("refused_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("address", name=op.f("pk_suppressed_address")),
    )
    op.create_table(
        "update_recipient",
        sa.Column("update_id", sa.Integer(), nullable=False),
        sa.Column("signature_id", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("skipped", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["outbox_message.id"],
            name=op.f("fk_update_recipient_message_id_outbox_message"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["signature_id"],
            ["signature.id"],
            name=op.f("fk_update_recipient_signature_id_signature"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["update_id"],
            ["campaign_update.id"],
            name=op.f("fk_update_recipient_update_id_campaign_update"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("update_id", "signature_id", name=op.f("pk_update_recipient")),
        sa.UniqueConstraint("message_id", name=op.f("uq_update_recipient_message_id")),
    )
    with op.batch_alter_table("update_recipient", schema=None) as batch_op:
        batch_op.create_index(
            "ix_update_recipient_waiting",
            ["update_id", "signature_id"],
            unique=False,
            postgresql_where=WAITING,
            sqlite_where=WAITING,
        )


def downgrade():
    waiting = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT count(*) FROM outbox_message WHERE status IN ('queued', 'sending') AND kind IN :kinds"
            ).bindparams(sa.bindparam("kinds", UPDATE_KINDS, expanding=True))
        )
        .scalar_one()
    )
    if waiting:
        # The older code has no kind to render these with, and would fail them for good.
        raise RuntimeError(
            f"{waiting} update email(s) wait in the outbox: cancel the update (flask updates cancel ID) or let "
            "the mail worker send them, then downgrade."
        )
    # The older code knows no dropped messages: to it they failed.
    op.execute("UPDATE outbox_message SET status = 'failed' WHERE status = 'dropped'")
    with op.batch_alter_table("update_recipient", schema=None) as batch_op:
        batch_op.drop_index("ix_update_recipient_waiting", postgresql_where=WAITING, sqlite_where=WAITING)

    op.drop_table("update_recipient")
    op.drop_table("suppressed_address")
    with op.batch_alter_table("campaign_update", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_update_status"))

    op.drop_table("campaign_update")
