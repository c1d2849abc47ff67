"""The edge's own PostgreSQL role: it reads the softphones' digests (phone and ha1 of
`sip_passwords`, nothing else there), keeps their locations (`sip_locations`) and reads the table
versions Kamailio checks (`edge_table_versions`); it cannot read tickets, citizens or accounts.

    hotline-edge db-role --database-url URL [--role hotline_edge] [--password-file FILE]

URL is the hotline's own database URL (the owner of its tables, which grants) or an
administrator's; creating the role needs CREATEROLE (PostgreSQL's image creates it at first start
with EDGE_DB_PASSWORD[_FILE]: docker/postgres-entrypoint.sh). Run again after an upgrade: the
grants are re-applied, nothing more."""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from hotline.errors import ConfigError
from hotline.store.db import make_engine

DEFAULT_ROLE = "hotline_edge"
# What the edge's Kamailio reads and writes (auth_db, usrloc with db_mode 1, its version check).
GRANTS = (
    "GRANT USAGE ON SCHEMA public TO {role}",
    "GRANT SELECT (phone, ha1) ON sip_passwords TO {role}",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON sip_locations TO {role}",
    "GRANT USAGE, SELECT ON SEQUENCE sip_locations_id_seq TO {role}",
    "GRANT SELECT ON edge_table_versions TO {role}",
)


def _identifier(role: str) -> str:
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
        raise ConfigError(f"role {role!r}: lower-case letters, digits and _ only")
    return f'"{role}"'


def statements(role: str = DEFAULT_ROLE) -> list[str]:
    return [g.format(role=_identifier(role)) for g in GRANTS]


async def ensure_role(database_url: str, role: str = DEFAULT_ROLE, password: str | None = None,
                      if_exists: bool = False) -> bool | None:
    """Create the role (LOGIN, with `password`) if missing, set its password when given, and grant
    it what the edge uses. Returns whether the role was created. With `if_exists` (the containers'
    set-up after each migration): only the grants, and only when the role exists on a PostgreSQL
    database; else nothing (None)."""
    if not database_url.startswith(("postgresql", "postgres")):
        if if_exists:
            return None
        raise ConfigError("the edge's role is for PostgreSQL (the edge reads the hotline's PostgreSQL)")
    ident = _identifier(role)
    literal = None if password is None else "'" + password.replace("'", "''") + "'"
    engine = make_engine(database_url)
    try:
        async with engine.begin() as conn:
            exists = (await conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role})).first()
            if not exists and if_exists:
                return None
            if not exists:
                if literal is None:
                    raise ConfigError(f"role {role} does not exist: give its password (--password-file) to create it")
                await conn.execute(text(f"CREATE ROLE {ident} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
                                        f"PASSWORD {literal}"))
            elif literal is not None:
                await conn.execute(text(f"ALTER ROLE {ident} PASSWORD {literal}"))
            for statement in statements(role):
                await conn.execute(text(statement))
    except DBAPIError as exc:
        raise ConfigError(f"cannot set up the edge's role {role}: {exc.orig}") from exc
    finally:
        await engine.dispose()
    return not exists
