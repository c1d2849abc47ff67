# The TLS reverse proxy (Debian's nginx) in front of a hotline node: https for the desktops and the
# public pages, wss for the desktops' events and the softphones' SIP.
# Build from the repository root:  docker build -f docker/proxy.Dockerfile -t hotline/proxy .
ARG BASE=debian:bookworm-slim
FROM ${BASE}
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 nginx-light openssl curl ca-certificates >/dev/null \
 && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/*
COPY docker/proxy-entrypoint.sh /usr/local/bin/proxy-entrypoint
ENV HOTLINE_PORT_BASE=25060 \
    HTTPS_PORT=8443 \
    TLS_DIR=/etc/hotline-tls
HEALTHCHECK --interval=10s --timeout=5s --retries=3 CMD ["sh", "-c", "curl -fsk -o /dev/null https://127.0.0.1:$HTTPS_PORT/login"]
ENTRYPOINT ["proxy-entrypoint"]
