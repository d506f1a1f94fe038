"""Sign forms received apart from their signatures; signers' IPs kept only as keyed hashes; a
leading "+" no longer drops an address's whole local part.

- ``received_submission`` holds each sign form until a sender takes it in (signing/intake.py), so
  that the web request does the same work whatever the address's history.
- ``signature.ip`` becomes ``signature.ip_hash``: an HMAC-SHA-256 of the address with
  ``IP_HASH_KEY``, cut to 16 hex digits (signing/sources.py). The addresses already stored are
  hashed here with the app's key, then dropped; they cannot come back.
- ``+cmd@example.org`` was the canonical ``@example.org``; it is ``+cmd@example.org`` now.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

import contextlib
import hashlib
import hmac
import ipaddress

import sqlalchemy as sa
from alembic import op
from flask import current_app

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BATCH = 1000
HASH_LENGTH = 16


def ip_hash(address, key):
    """As signing/sources.py makes it on the day of this migration (kept here, so that a later
    change there does not change what this migration did)."""
    with contextlib.suppress(ValueError):  # not an IP: hashed as it is
        address = ipaddress.ip_address(address.strip()).compressed
    return hmac.new(key.encode(), address.encode(), hashlib.sha256).hexdigest()[:HASH_LENGTH]


def canonical_email(address):
    local, _, domain = address.strip().lower().rpartition("@")
    local = local.partition("+")[0] or local
    if domain in {"gmail.com", "googlemail.com"}:
        local = local.replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}"


def hash_stored_ips(connection, key):
    signature = sa.table("signature", sa.column("id"), sa.column("ip"), sa.column("ip_hash"))
    last = 0
    while True:
        rows = connection.execute(
            sa.select(signature.c.id, signature.c.ip)
            .where(signature.c.id > last, signature.c.ip.is_not(None))
            .order_by(signature.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        connection.execute(
            signature.update().where(signature.c.id == sa.bindparam("row_id")).values(ip_hash=sa.bindparam("hash")),
            [{"row_id": row.id, "hash": ip_hash(row.ip, key)} for row in rows],
        )
        last = rows[-1].id


def mend_leading_plus(connection):
    signature = sa.table("signature", sa.column("id"), sa.column("email"), sa.column("email_canonical"))
    rows = connection.execute(
        sa.select(signature.c.id, signature.c.email).where(signature.c.email_canonical.like("@%"))
    ).all()
    for row in rows:
        connection.execute(
            signature.update().where(signature.c.id == row.id).values(email_canonical=canonical_email(row.email))
        )


def upgrade():
    op.create_table(
        "received_submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("province", sa.String(length=2), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("display", sa.String(length=10), nullable=False),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("wants_updates", sa.Boolean(), nullable=False),
        sa.Column("consent_wording", sa.String(length=40), nullable=True),
        sa.Column("ip_hash", sa.String(length=16), nullable=True),
        sa.Column("share_ref", sa.String(length=100), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_received_submission")),
    )
    op.create_index("ix_received_submission_due", "received_submission", ["next_attempt_at", "id"])

    with op.batch_alter_table("signature", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ip_hash", sa.String(length=16), nullable=True))
    connection = op.get_bind()
    hash_stored_ips(connection, current_app.config["IP_HASH_KEY"])
    mend_leading_plus(connection)
    with op.batch_alter_table("signature", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signature_ip"))
        batch_op.drop_column("ip")
        batch_op.create_index(batch_op.f("ix_signature_ip_hash"), ["ip_hash"], unique=False)


def downgrade():
    waiting = op.get_bind().execute(sa.text("SELECT count(*) FROM received_submission")).scalar_one()
    if waiting:
        # The older code would never take them in: those signers would get no email.
        raise RuntimeError(
            f"{waiting} sign form(s) are waiting to be taken in: run the mail worker until none is left, "
            "then downgrade."
        )
    with op.batch_alter_table("signature", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signature_ip_hash"))
        # The addresses are gone for good: the column comes back empty.
        batch_op.add_column(sa.Column("ip", sa.String(length=45), nullable=True))
        batch_op.drop_column("ip_hash")
        batch_op.create_index(batch_op.f("ix_signature_ip"), ["ip"], unique=False)
    op.drop_index("ix_received_submission_due", table_name="received_submission")
    op.drop_table("received_submission")
