"""The campaign's state (closing, delivery, the government's response) and its milestones.

``campaign`` holds one row (id 1), made by the code on its first change: when the letter closes
or closed, and what was recorded of its delivery and of the response. ``milestone`` records each
goal of ``SIGNATURE_GOALS`` once, its primary key being the goal, when the count first reached it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "campaign",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_on", sa.Date(), nullable=True),
        sa.Column("delivered_to_en", sa.String(length=200), nullable=True),
        sa.Column("delivered_to_fr", sa.String(length=200), nullable=True),
        sa.Column("delivery_text_en", sa.Text(), nullable=True),
        sa.Column("delivery_text_fr", sa.Text(), nullable=True),
        sa.Column("delivery_link", sa.String(length=500), nullable=True),
        sa.Column("response_on", sa.Date(), nullable=True),
        sa.Column("response_text_en", sa.Text(), nullable=True),
        sa.Column("response_text_fr", sa.Text(), nullable=True),
        sa.Column("response_link", sa.String(length=500), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign")),
    )
    op.create_table(
        "milestone",
        sa.Column("goal", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("reached_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("goal", name=op.f("pk_milestone")),
    )


def downgrade():
    op.drop_table("milestone")
    op.drop_table("campaign")
