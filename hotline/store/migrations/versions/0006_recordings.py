"""Recording catalogue, transcription jobs and transcripts (with full-text search), grants to
agencies, verifications and the audit log (issue #5).

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "recordings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("linkedid", sa.String(64), nullable=False, unique=True),
        sa.Column("started_at", TZ, nullable=False, index=True),
        sa.Column("duration", sa.Float, nullable=False),
        sa.Column("status", sa.String(10), nullable=False, index=True),
        sa.Column("problem", sa.String(500)),
        sa.Column("caller_phone", sa.String(32), index=True),
        sa.Column("operators", sa.String(400), nullable=False),
        sa.Column("path", sa.String(300), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("legs", sa.Text, nullable=False),
        sa.Column("compressed_path", sa.String(300)),
        sa.Column("compressed_sha256", sa.String(64)),
        sa.Column("compressed_duration", sa.Float),
        sa.Column("catalogued_at", TZ, nullable=False),
        sa.Column("originals_removed_at", TZ),
    )
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("recording_id", sa.Integer, sa.ForeignKey("recordings.id"), nullable=False, index=True),
        sa.Column("status", sa.String(10), nullable=False, index=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("run_after", TZ, nullable=False),
        sa.Column("claimed_at", TZ),
        sa.Column("finished_at", TZ),
        sa.Column("last_error", sa.String(1000)),
        sa.Column("created_at", TZ, nullable=False),
        sa.UniqueConstraint("kind", "recording_id", name="uq_jobs_kind_recording"),
    )
    op.create_table(
        "transcripts",
        sa.Column("recording_id", sa.Integer, sa.ForeignKey("recordings.id"), primary_key=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("words", sa.Text, nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("audio_seconds", sa.Float, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    if op.get_bind().dialect.name == "sqlite":
        # Full-text index of transcripts: rowid = recording id; Vietnamese words match with or
        # without diacritics.
        op.execute("CREATE VIRTUAL TABLE transcript_fts USING fts5(text, tokenize = 'unicode61 remove_diacritics 2')")
    else:
        op.execute("CREATE INDEX ix_transcripts_fts ON transcripts USING gin (to_tsvector('simple', text))")
    op.create_table(
        "recording_grants",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("recording_id", sa.Integer, sa.ForeignKey("recordings.id"), nullable=False, index=True),
        sa.Column("agency_id", sa.Integer, sa.ForeignKey("agencies.id"), nullable=False, index=True),
        sa.Column("granted_by", sa.String(60), nullable=False),
        sa.Column("granted_at", TZ, nullable=False),
        sa.Column("note", sa.String(500), nullable=False),
        sa.Column("revoked_at", TZ),
    )
    op.create_table(
        "verifications",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("recording_id", sa.Integer, sa.ForeignKey("recordings.id"), nullable=False, index=True),
        sa.Column("checked_by", sa.String(60), nullable=False),
        sa.Column("checked_at", TZ, nullable=False),
        sa.Column("verdict", sa.String(20), nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", TZ, nullable=False, index=True),
        sa.Column("username", sa.String(60), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("recording_id", sa.Integer, sa.ForeignKey("recordings.id"), index=True),
        sa.Column("detail", sa.String(500), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    for table in ("audit_log", "verifications", "recording_grants"):
        op.drop_table(table)
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE transcript_fts")
    else:
        op.execute("DROP INDEX ix_transcripts_fts")
    for table in ("transcripts", "jobs", "recordings"):
        op.drop_table(table)
