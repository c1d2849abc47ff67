"""Alembic environment: migrations run on a connection handed over by hotline.ticketing.db."""

from alembic import context

from hotline.ticketing.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `hotline db upgrade` (hotline.ticketing.db.migrate)")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
