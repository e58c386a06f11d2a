"""Results reports drawn by a background job: ``sent_results_reports`` says where each stands

Sending a report now records at once who asked and when (``requested_at``) with the status
``preparing``; a background job draws the PDF, queues the e-mail and marks it ``sent`` (then
``pdf_sha256`` and ``sent_at`` are set) or ``not_sent`` with the ``reason``. Reports sent before
this migration were drawn in the request: they are ``sent``, asked for when they were sent. The
index on ``status`` finds the reports still being prepared (the catch-up after a lost job).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 02:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from resurface.storage.types import UtcDateTime

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sent_results_reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("requested_at", UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column("status", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("reason", sa.Text(), server_default="", nullable=False))
    op.execute("UPDATE sent_results_reports SET requested_at = sent_at, status = 'sent'")
    with op.batch_alter_table("sent_results_reports", schema=None) as batch_op:
        batch_op.alter_column("requested_at", existing_type=UtcDateTime(), nullable=False)
        batch_op.alter_column("status", existing_type=sa.String(length=12), nullable=False)
        batch_op.alter_column("sent_at", existing_type=UtcDateTime(), nullable=True)
        batch_op.alter_column("pdf_sha256", existing_type=sa.String(length=64), nullable=True)
        batch_op.create_index("ix_sent_results_reports_status", ["status"], unique=False)


def downgrade() -> None:
    """Reports never sent (being prepared, or not sent) have no PDF to keep: they go."""
    op.execute("DELETE FROM sent_results_reports WHERE status <> 'sent'")
    with op.batch_alter_table("sent_results_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_sent_results_reports_status")
        batch_op.alter_column("pdf_sha256", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("sent_at", existing_type=UtcDateTime(), nullable=False)
        batch_op.drop_column("reason")
        batch_op.drop_column("status")
        batch_op.drop_column("requested_at")
