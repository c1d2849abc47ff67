"""An index for the staff's ticket search on SQLite (code, report text and scanned letters, any
part of a word, without diacritics), which read and folded every ticket's text at each search
(1.1 s over 100,000 tickets when nothing matched). Trigrams, so that a part of a code or a word
is found as before: an FTS5 table with the trigram tokenizer, a row per ticket holding its folded
code, text and letters (hotline_fold(), which every connection of hotline.store.db has), kept by
triggers; read newest first, it stops at the page's last hit. PostgreSQL (where it took 17.8 s):
a column of the same folded text (code, text, letters), kept by triggers, with a pg_trgm index.

Revision ID: 0040
Revises: 0039
"""
from alembic import op

from hotline.folding import SQL_FROM, SQL_TO

revision = "0040"
down_revision = "0039"
branch_labels = None
depends_on = None

# A ticket's row: its code, its text and its scanned letters' text (folded), kept by triggers.
LETTERS = ("(SELECT group_concat(text_folded, ' | ') FROM attachments "
           "WHERE ticket_id = {id} AND scan AND text_folded IS NOT NULL)")
TICKET_ROW = f"(new.id, hotline_fold(new.code), hotline_fold(new.content), {LETTERS.format(id='new.id')})"
SQLITE = [
    "CREATE VIRTUAL TABLE ticket_fts USING fts5(code, content, letters, tokenize = 'trigram')",
    f"CREATE TRIGGER ticket_fts_insert AFTER INSERT ON tickets BEGIN "
    f"INSERT INTO ticket_fts(rowid, code, content, letters) VALUES {TICKET_ROW}; END",
    f"CREATE TRIGGER ticket_fts_update AFTER UPDATE OF code, content ON tickets BEGIN "
    f"DELETE FROM ticket_fts WHERE rowid = old.id; "
    f"INSERT INTO ticket_fts(rowid, code, content, letters) VALUES {TICKET_ROW}; END",
    "CREATE TRIGGER ticket_fts_delete AFTER DELETE ON tickets BEGIN "
    "DELETE FROM ticket_fts WHERE rowid = old.id; END",
    # A scanned letter recognised, changed or removed: its ticket's letters again.
    *(f"CREATE TRIGGER ticket_fts_letters_{when} AFTER {event} ON attachments BEGIN "
      f"UPDATE ticket_fts SET letters = {LETTERS.format(id=row + '.ticket_id')} WHERE rowid = {row}.ticket_id; END"
      for when, event, row in (("insert", "INSERT", "new"), ("update", "UPDATE OF text_folded, scan", "new"),
                               ("delete", "DELETE", "old"))),
    "INSERT INTO ticket_fts(rowid, code, content, letters) SELECT id, hotline_fold(code), hotline_fold(content), "
    f"{LETTERS.format(id='tickets.id')} FROM tickets",
]


# The column is not mapped (the ORM never writes it): the triggers do. translate() before lower(),
# which folds only ASCII under a "C" locale. `UPDATE tickets SET content = content` makes the
# ticket's own trigger read its letters again.
POSTGRESQL = [
    "ALTER TABLE tickets ADD COLUMN search_text text",
    f"CREATE FUNCTION hotline_fold(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS "
    f"$$ SELECT lower(translate(coalesce(t, ''), '{SQL_FROM}', '{SQL_TO}')) $$",
    "CREATE FUNCTION hotline_ticket_search() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "NEW.search_text := hotline_fold(NEW.code) || ' | ' || hotline_fold(NEW.content) || ' | ' || "
    "coalesce((SELECT string_agg(text_folded, ' | ') FROM attachments "
    "WHERE ticket_id = NEW.id AND scan AND text_folded IS NOT NULL), ''); RETURN NEW; END $$",
    "CREATE TRIGGER ticket_search BEFORE INSERT OR UPDATE OF code, content ON tickets "
    "FOR EACH ROW EXECUTE FUNCTION hotline_ticket_search()",
    "CREATE FUNCTION hotline_letters_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "UPDATE tickets SET content = content "
    "WHERE id = (CASE WHEN TG_OP = 'DELETE' THEN OLD.ticket_id ELSE NEW.ticket_id END); RETURN NULL; END $$",
    "CREATE TRIGGER letters_search AFTER INSERT OR DELETE OR UPDATE OF text_folded, scan ON attachments "
    "FOR EACH ROW EXECUTE FUNCTION hotline_letters_changed()",
    "UPDATE tickets SET content = content",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",  # a trusted extension: the database's owner may add it
    "CREATE INDEX ix_tickets_search_trgm ON tickets USING gin (search_text gin_trgm_ops)",
]


def upgrade() -> None:
    for statement in SQLITE if op.get_bind().dialect.name == "sqlite" else POSTGRESQL:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("insert", "update", "delete", "letters_insert", "letters_update", "letters_delete"):
            op.execute(f"DROP TRIGGER ticket_fts_{name}")
        op.execute("DROP TABLE ticket_fts")
    else:
        op.execute("DROP TRIGGER letters_search ON attachments")
        op.execute("DROP TRIGGER ticket_search ON tickets")
        op.execute("DROP FUNCTION hotline_letters_changed()")
        op.execute("DROP FUNCTION hotline_ticket_search()")
        op.execute("DROP FUNCTION hotline_fold(text)")
        op.execute("DROP INDEX ix_tickets_search_trgm")
        op.execute("ALTER TABLE tickets DROP COLUMN search_text")
