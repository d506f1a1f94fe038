"""Outbox messages carry a payload and their recipient's language, for the kind that renders them.

The outbox becomes generic: each feature registers its kinds of message, and a kind's renderer
reads the message's ``payload`` (JSON) when it is sent; ``lang`` is the language it was queued
in. A signer's email names its signature in its payload (``{"signature_id": 42}``);
``signature_id`` stays, for purging and anonymising to delete a signature's messages by it.
The messages waiting to be rendered get their payload and language here; those already sent,
or failed for good, are never rendered again and get none.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# The kinds of message that the code before this revision can render: from their signature.
SIGNER_KINDS = ("confirm", "already_signed")
WAITING = "text_body IS NULL AND status IN ('queued', 'sending')"


def upgrade():
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payload", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("lang", sa.String(length=2), nullable=True))
    json_object = "json_build_object" if op.get_bind().dialect.name == "postgresql" else "json_object"
    op.execute(
        f"UPDATE outbox_message SET payload = {json_object}('signature_id', signature_id),"  # noqa: S608 - no input
        " lang = (SELECT lang FROM signature WHERE signature.id = outbox_message.signature_id)"
        f" WHERE signature_id IS NOT NULL AND {WAITING}"
    )


def downgrade():
    others = (
        op.get_bind()
        .execute(
            sa.text(f"SELECT count(*) FROM outbox_message WHERE {WAITING} AND kind NOT IN :kinds").bindparams(  # noqa: S608
                sa.bindparam("kinds", SIGNER_KINDS, expanding=True)
            )
        )
        .scalar_one()
    )
    if others:
        # The older code renders a message from its signature only, and would fail these for good.
        raise RuntimeError(
            f"{others} outbox message(s) of kinds other than {', '.join(SIGNER_KINDS)} are waiting to be "
            "rendered and sent: run the mail worker until the outbox has sent them, then downgrade."
        )
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_column("lang")
        batch_op.drop_column("payload")
