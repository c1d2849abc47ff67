# PostgreSQL (Debian's package) for the hotline: one database and one role, created at first start.
# Build from the repository root:  docker build -f docker/postgres.Dockerfile -t hotline/postgres .
ARG BASE=debian:bookworm-slim
FROM ${BASE}
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 postgresql-15 >/dev/null \
 && rm -rf /var/lib/apt/lists/* \
 && install -d -o postgres -g postgres /var/lib/postgresql/data
COPY docker/postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint
ENV PATH=/usr/lib/postgresql/15/bin:$PATH \
    PGDATA=/var/lib/postgresql/data \
    PGPORT=5432
USER postgres
VOLUME /var/lib/postgresql/data
HEALTHCHECK --interval=5s --timeout=5s --retries=5 CMD ["sh", "-c", "pg_isready -q -h 127.0.0.1 -p \"$PGPORT\""]
ENTRYPOINT ["postgres-entrypoint"]
