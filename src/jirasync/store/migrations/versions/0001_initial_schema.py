"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 21:16:26.105077
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "connections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("base_url", sa.String(length=500), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("credentials_encrypted", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connections")),
        sa.UniqueConstraint("name", name=op.f("uq_connections_name")),
    )
    op.create_table(
        "create_intents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_connection_id", sa.Integer(), nullable=False),
        sa.Column("source_type", sa.String(length=32), nullable=False),
        sa.Column("source_id", sa.String(length=100), nullable=False),
        sa.Column("target_connection_id", sa.Integer(), nullable=False),
        sa.Column("marker", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("remote_id", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_connection_id"],
            ["connections.id"],
            name=op.f("fk_create_intents_source_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_connection_id"],
            ["connections.id"],
            name=op.f("fk_create_intents_target_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_create_intents")),
        sa.UniqueConstraint("marker", name=op.f("uq_create_intents_marker")),
        sa.UniqueConstraint(
            "source_connection_id",
            "source_type",
            "source_id",
            "target_connection_id",
            name=op.f(
                "uq_create_intents_source_connection_id_source_type_source_id_target_connection_id"
            ),
        ),
    )
    op.create_table(
        "inbox_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=True),
        sa.Column("delivery_id", sa.String(length=200), nullable=False),
        sa.Column("dedup_key", sa.String(length=300), nullable=False),
        sa.Column("ordering_key", sa.String(length=300), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("available_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_owner", sa.String(length=100), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("retries", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_inbox_events_connection_id_connections"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_events")),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_inbox_events_dedup_key")),
    )
    op.create_index(
        "ix_inbox_events_connection_id_status",
        "inbox_events",
        ["connection_id", "status"],
        unique=False,
    )
    active_only = sa.text("status IN ('pending', 'retrying', 'running')")
    op.create_index(
        "ix_inbox_events_active_id",
        "inbox_events",
        ["id"],
        unique=False,
        postgresql_where=active_only,
        sqlite_where=active_only,
    )
    op.create_index(
        "ix_inbox_events_active_ordering_key",
        "inbox_events",
        ["ordering_key", "id"],
        unique=False,
        postgresql_where=active_only,
        sqlite_where=active_only,
    )
    op.create_index(
        "ix_inbox_events_status_available_at",
        "inbox_events",
        ["status", "available_at"],
        unique=False,
    )
    op.create_table(
        "links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_connection_id", sa.Integer(), nullable=False),
        sa.Column("source_type", sa.String(length=32), nullable=False),
        sa.Column("source_id", sa.String(length=100), nullable=False),
        sa.Column("jira_connection_id", sa.Integer(), nullable=False),
        sa.Column("issue_id", sa.String(length=50), nullable=False),
        sa.Column("issue_key", sa.String(length=100), nullable=False),
        sa.Column("last_synced", sa.JSON(), nullable=False),
        sa.Column("sync_status", sa.String(length=16), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["jira_connection_id"],
            ["connections.id"],
            name=op.f("fk_links_jira_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_connection_id"],
            ["connections.id"],
            name=op.f("fk_links_source_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_links")),
        sa.UniqueConstraint(
            "jira_connection_id",
            "issue_id",
            "source_connection_id",
            name=op.f("uq_links_jira_connection_id_issue_id_source_connection_id"),
        ),
        sa.UniqueConstraint(
            "source_connection_id",
            "source_type",
            "source_id",
            name=op.f("uq_links_source_connection_id_source_type_source_id"),
        ),
    )
    op.create_index(op.f("ix_links_issue_key"), "links", ["issue_key"], unique=False)
    op.create_table(
        "rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("jira_connection_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_rules_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["jira_connection_id"],
            ["connections.id"],
            name=op.f("fk_rules_jira_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rules")),
    )
    op.create_index(op.f("ix_rules_connection_id"), "rules", ["connection_id"], unique=False)
    op.create_index(
        op.f("ix_rules_jira_connection_id"), "rules", ["jira_connection_id"], unique=False
    )
    op.create_table(
        "user_mappings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jira_connection_id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("jira_user", sa.String(length=255), nullable=False),
        sa.Column("remote_user", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("is_fallback", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_user_mappings_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["jira_connection_id"],
            ["connections.id"],
            name=op.f("fk_user_mappings_jira_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_mappings")),
        sa.UniqueConstraint(
            "jira_connection_id",
            "connection_id",
            "remote_user",
            name=op.f("uq_user_mappings_jira_connection_id_connection_id_remote_user"),
        ),
    )
    op.create_table(
        "comment_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("source_comment_id", sa.String(length=100), nullable=False),
        sa.Column("issue_comment_id", sa.String(length=100), nullable=False),
        sa.Column("origin", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["links.id"],
            name=op.f("fk_comment_links_link_id_links"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment_links")),
        sa.UniqueConstraint(
            "link_id", "issue_comment_id", name=op.f("uq_comment_links_link_id_issue_comment_id")
        ),
        sa.UniqueConstraint(
            "link_id", "source_comment_id", name=op.f("uq_comment_links_link_id_source_comment_id")
        ),
    )
    op.create_table(
        "event_attempts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(length=100), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["inbox_events.id"],
            name=op.f("fk_event_attempts_event_id_inbox_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_attempts")),
    )
    op.create_index(
        op.f("ix_event_attempts_event_id"), "event_attempts", ["event_id"], unique=False
    )
    op.create_table(
        "remote_calls",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "attempt_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("system", sa.String(length=32), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("path", sa.String(length=1000), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("duration_ms", sa.Double(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["event_attempts.id"],
            name=op.f("fk_remote_calls_attempt_id_event_attempts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_remote_calls")),
    )
    op.create_index(
        op.f("ix_remote_calls_attempt_id"), "remote_calls", ["attempt_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_remote_calls_attempt_id"), table_name="remote_calls")
    op.drop_table("remote_calls")
    op.drop_index(op.f("ix_event_attempts_event_id"), table_name="event_attempts")
    op.drop_table("event_attempts")
    op.drop_table("comment_links")
    op.drop_table("user_mappings")
    op.drop_index(op.f("ix_rules_jira_connection_id"), table_name="rules")
    op.drop_index(op.f("ix_rules_connection_id"), table_name="rules")
    op.drop_table("rules")
    op.drop_index(op.f("ix_links_issue_key"), table_name="links")
    op.drop_table("links")
    op.drop_index("ix_inbox_events_status_available_at", table_name="inbox_events")
    op.drop_index("ix_inbox_events_active_ordering_key", table_name="inbox_events")
    op.drop_index("ix_inbox_events_active_id", table_name="inbox_events")
    op.drop_index("ix_inbox_events_connection_id_status", table_name="inbox_events")
    op.drop_table("inbox_events")
    op.drop_table("create_intents")
    op.drop_table("connections")
