"""the OIDC identity (issuer, subject) of accounts made by single sign-on

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 02:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("accounts", sa.Column("oidc_issuer", sa.String(length=500), nullable=True))
    op.add_column("accounts", sa.Column("oidc_subject", sa.String(length=255), nullable=True))
    # An index, not a constraint: SQLite adds it without rebuilding the table.
    op.create_index(
        op.f("ix_accounts_oidc_issuer_oidc_subject"),
        "accounts",
        ["oidc_issuer", "oidc_subject"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_accounts_oidc_issuer_oidc_subject"), table_name="accounts")
    op.drop_column("accounts", "oidc_subject")
    op.drop_column("accounts", "oidc_issuer")
