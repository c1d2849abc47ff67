"""Alembic environment: migrations run on a connection handed over by hotline.store.db."""

from alembic import context

from hotline.store import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `hotline db upgrade` (hotline.store.db.migrate)")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
