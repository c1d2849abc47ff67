"""The knowledge base: articles with versions (drafted by agencies, approved by the hotline), their
search index, the tickets citing them; application statuses imported for look-ups.

Revision ID: 0015
Revises: 0014
"""
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "kb_articles",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("field", sa.String(40), nullable=False, index=True),
        sa.Column("agency_id", sa.Integer, sa.ForeignKey("agencies.id"), index=True),
        sa.Column("current_version_id", sa.Integer),
        sa.Column("review_by", sa.Date, index=True),
        sa.Column("search_title", sa.Text, nullable=False, server_default=""),
        sa.Column("search_body", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_table(
        "kb_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("article_id", sa.Integer, sa.ForeignKey("kb_articles.id"), nullable=False, index=True),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("state", sa.String(12), nullable=False, index=True),
        sa.Column("question", sa.String(500), nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("steps", sa.Text, nullable=False),
        sa.Column("papers", sa.Text, nullable=False),
        sa.Column("fees", sa.String(1000), nullable=False),
        sa.Column("processing_time", sa.String(500), nullable=False),
        sa.Column("submit_where", sa.String(1000), nullable=False),
        sa.Column("legal_basis", sa.String(1000), nullable=False),
        sa.Column("legal_document", sa.String(100), nullable=False),
        sa.Column("legal_effective", sa.Date),
        sa.Column("review_by", sa.Date),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("author", sa.String(60), nullable=False),
        sa.Column("author_role", sa.String(20), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("submitted_at", TZ),
        sa.Column("reviewed_by", sa.String(60)),
        sa.Column("reviewed_at", TZ),
        sa.Column("review_note", sa.String(2000), nullable=False),
        sa.UniqueConstraint("article_id", "number"),
    )
    op.create_table(
        "kb_citations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id"), nullable=False, index=True),
        sa.Column("article_id", sa.Integer, sa.ForeignKey("kb_articles.id"), nullable=False, index=True),
        sa.Column("version_id", sa.Integer, sa.ForeignKey("kb_versions.id"), nullable=False),
        sa.Column("cited_by", sa.String(60), nullable=False),
        sa.Column("cited_at", TZ, nullable=False, index=True),
    )
    op.create_table(
        "kb_terms",  # the words of approved versions: typing mistakes are corrected against them
        sa.Column("term", sa.String(40), primary_key=True),
    )
    if op.get_bind().dialect.name == "sqlite":
        # rowid = article id; the text is folded before it is written (knowledge.text.fold).
        # Prefix indexes: operators' words are searched as prefixes while they type them.
        op.execute("CREATE VIRTUAL TABLE kb_fts USING fts5(title, body, tokenize = 'unicode61', prefix = '1 2 3 4')")
        # The questions alone, ranked by their own length (kb_fts's ranking counts the answer's).
        op.execute("CREATE VIRTUAL TABLE kb_titles USING fts5(title, tokenize = 'unicode61', prefix = '1 2 3 4')")
    else:
        # The question weighs A, the rest B; stored, so that ranking reads it instead of parsing.
        op.execute("ALTER TABLE kb_articles ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
                   "(setweight(to_tsvector('simple', search_title), 'A') || "
                   "setweight(to_tsvector('simple', search_body), 'B')) STORED")
        op.execute("CREATE INDEX ix_kb_articles_search ON kb_articles USING gin (search_vector)")
        # The questions alone: short, so matching and ranking them is cheap.
        op.execute("ALTER TABLE kb_articles ADD COLUMN title_vector tsvector GENERATED ALWAYS AS "
                   "(to_tsvector('simple', search_title)) STORED")
        op.execute("CREATE INDEX ix_kb_articles_title ON kb_articles USING gin (title_vector)")
    op.create_table(
        "application_statuses",
        sa.Column("code", sa.String(40), primary_key=True),
        sa.Column("keypad", sa.String(40), nullable=False, index=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("procedure", sa.String(500), nullable=False),
        sa.Column("agency", sa.String(200), nullable=False),
        sa.Column("received_on", sa.Date),
        sa.Column("due_on", sa.Date),
        sa.Column("updated_at", TZ, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("application_statuses")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE kb_fts")
        op.execute("DROP TABLE kb_titles")
    else:
        op.execute("DROP INDEX ix_kb_articles_search")
        op.execute("DROP INDEX ix_kb_articles_title")
    op.drop_table("kb_terms")
    op.drop_table("kb_citations")
    op.drop_table("kb_versions")
    op.drop_table("kb_articles")
