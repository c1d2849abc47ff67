# The hotline node: the application and the Asterisk it manages (Debian packages), one container;
# and the SIP edge (target `edge`): Kamailio with the hotline's renderer of its configuration.
# Build from the repository root:  docker build -f docker/hotline.Dockerfile -t hotline/node .
#                                  docker build -f docker/hotline.Dockerfile --target edge -t hotline/edge .
# BASE is the Debian 12 image to start from (a local one where registries cannot be reached).
ARG BASE=debian:bookworm-slim

FROM ${BASE} AS build
ENV DEBIAN_FRONTEND=noninteractive \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 python3 python3-venv nodejs npm ca-certificates >/dev/null
# A network's intercepting proxy, if any (docker/ca/README.md): trusted in this stage only.
COPY docker/ca/ /usr/local/share/ca-certificates/build/
RUN update-ca-certificates >/dev/null
WORKDIR /opt/hotline
# What the sources need, in layers a rebuild keeps while the locks stay the same: exactly the
# runtime's locked versions, each file checked against its sha256 (scripts/lock.sh) ...
COPY requirements-runtime.lock ./
RUN python3 -m venv .venv \
 && .venv/bin/pip install --no-cache-dir -q --require-hashes -r requirements-runtime.lock
# ... and the desktop's browser assets (JsSIP, Leaflet), bundled from npm (exactly
# package-lock.json's packages, integrity-checked) into static/vendor; the node modules are
# not kept. The sources themselves go into each target below, after its copy of this stage: a
# change of the sources then rebuilds a few small layers, not a copy of the whole virtualenv.
COPY hotline/agent_desktop/web/package.json hotline/agent_desktop/web/package-lock.json hotline/agent_desktop/web/
RUN cd hotline/agent_desktop/web \
 && npm ci --no-audit --no-fund --loglevel=error >/dev/null \
 && npm run --silent build \
 && rm -rf node_modules

FROM ${BASE} AS edge
COPY scripts/setup-system.sh /tmp/setup-system.sh
RUN HOTLINE_PACKAGES=edge bash /tmp/setup-system.sh \
 && rm -rf /var/lib/apt/lists/* /tmp/setup-system.sh /tmp/hotline-apt.log
COPY --from=build /opt/hotline /opt/hotline
# The package in place (as in a checkout: it finds its configuration, templates and migrations
# beside it), installed with the locked setuptools, its bytecode compiled for the unprivileged user.
COPY pyproject.toml README.md /opt/hotline/
COPY config /opt/hotline/config
COPY hotline /opt/hotline/hotline
RUN cd /opt/hotline && .venv/bin/pip install --no-cache-dir -q --no-deps --no-build-isolation -e . \
 && .venv/bin/python -m compileall -q hotline >/dev/null
ENV HOTLINE_EDGE_SETTINGS_FILE=/etc/hotline/edge.toml \
    PATH=/opt/hotline/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1
# Debian's package made the `kamailio` user; the rendered configuration goes to a scratch folder.
USER kamailio
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 CMD ["hotline-edge", "health"]
ENTRYPOINT ["tini", "--", "hotline-edge"]
CMD ["run", "--dir", "/tmp/edge"]

# The node (the default target).
FROM ${BASE} AS node
COPY scripts/setup-system.sh /tmp/setup-system.sh
RUN HOTLINE_PACKAGES=runtime bash /tmp/setup-system.sh \
 && rm -rf /var/lib/apt/lists/* /tmp/setup-system.sh /tmp/hotline-apt.log
# A fixed uid, so that a host folder mounted as the home can be given to it.
# The folders that get their own volumes exist in the image, so that new volumes are the user's.
RUN groupadd --system --gid 1022 hotline \
 && useradd --system --uid 1022 --gid hotline --home-dir /var/lib/hotline --create-home --shell /usr/sbin/nologin hotline \
 && install -d -o hotline -g hotline /var/lib/hotline/recordings /var/lib/hotline/attachments /backups
COPY --from=build /opt/hotline /opt/hotline
# The package in place (as in a checkout: it finds its configuration, templates and migrations
# beside it), installed with the locked setuptools, its bytecode compiled for the unprivileged user.
COPY pyproject.toml README.md /opt/hotline/
COPY config /opt/hotline/config
COPY hotline /opt/hotline/hotline
RUN cd /opt/hotline && .venv/bin/pip install --no-cache-dir -q --no-deps --no-build-isolation -e . \
 && .venv/bin/python -m compileall -q hotline >/dev/null
COPY docker/hotline-node.sh /usr/local/bin/hotline-node
ENV HOTLINE_HOME=/var/lib/hotline \
    HOTLINE_SETTINGS_FILE=/etc/hotline/hotline.toml \
    PATH=/opt/hotline/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1
COPY docker/hotline.toml /etc/hotline/hotline.toml
USER hotline
VOLUME /var/lib/hotline
HEALTHCHECK --interval=15s --timeout=10s --start-period=120s --retries=3 CMD ["hotline", "health"]
ENTRYPOINT ["tini", "--", "hotline-node"]
CMD ["run"]
