"""Outbox messages about a signature may be rendered when sent rather than when queued; an index
of the unsent messages.

A signature's emails are queued as their kind and signature only, so that signing costs one short
transaction; the mail worker renders the subject, the bodies and the headers just before sending.
The senders claim the oldest unsent messages by id, through a partial index of them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UNSENT = sa.text("status IN ('queued', 'sending')")
RENDERED_COLUMNS = (
    ("subject", sa.String(length=300)),
    ("text_body", sa.Text()),
    ("html_body", sa.Text()),
)


def upgrade():
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        for name, type_ in RENDERED_COLUMNS:
            batch_op.alter_column(name, existing_type=type_, nullable=True)
        batch_op.alter_column("headers", existing_type=sa.JSON(), nullable=True)
    op.create_index("ix_outbox_message_unsent", "outbox_message", ["id"], postgresql_where=UNSENT, sqlite_where=UNSENT)


def downgrade():
    op.drop_index("ix_outbox_message_unsent", table_name="outbox_message")
    waiting = (
        op.get_bind()
        .execute(
            sa.text("SELECT count(*) FROM outbox_message WHERE text_body IS NULL AND status IN ('queued', 'sending')")
        )
        .scalar_one()
    )
    if waiting:
        # The older code cannot render them, and dropping them would lose a signer's email.
        raise RuntimeError(
            f"{waiting} outbox message(s) are waiting to be rendered and sent: run the mail worker until "
            "the outbox is empty, then downgrade."
        )
    # Messages already sent, or failed for good, keep no copy of what was rendered.
    op.execute("UPDATE outbox_message SET subject = '', text_body = '', html_body = '' WHERE text_body IS NULL")
    op.execute("UPDATE outbox_message SET headers = '{}' WHERE headers IS NULL")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.alter_column("headers", existing_type=sa.JSON(), nullable=False)
        for name, type_ in RENDERED_COLUMNS:
            batch_op.alter_column(name, existing_type=type_, nullable=False)
