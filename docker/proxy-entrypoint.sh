#!/usr/bin/env bash
# Writes nginx's configuration from the environment, then runs nginx in the foreground.
#   HOTLINE_PORT_BASE  the node's port base (desktop: base+4; Asterisk's HTTP for SIP WebSocket: base+2)
#   HTTPS_PORT         where browsers connect (https and wss)
#   TLS_DIR            cert.pem and key.pem (mount the province's certificate); when absent, a
#                      self-signed pair is made for SERVER_NAME (tests, a first try), never reused
#                      for production names.
#   SERVER_NAME        the host name in the certificate made (default: localhost)
#   WEB_UPSTREAMS      several nodes: every node's desktop (ADDRESS:PORT, space-separated). A node
#                      that does not serve the desktops answers 503 and the request goes to the
#                      next, so desktops reach the serving node and reconnect to it by themselves.
#                      Default: this machine's node (127.0.0.1:base+4).
#   SIP_WS_UPSTREAM    where /sip goes: with several nodes, the SIP edge's WebSocket
#                      (ADDRESS:PORT). Default: this node's Asterisk ([::1]:base+2/ws).
#   NGINX_CONF, NGINX_PID  where the configuration and pid file go (tests run it outside a container)
# Paths: /sip -> the softphones' SIP WebSocket, everything else -> the hotline.
set -euo pipefail
base=${HOTLINE_PORT_BASE:-25060}
web_upstreams=${WEB_UPSTREAMS:-127.0.0.1:$((base + 4))}
# Asterisk's HTTP server listens on the IPv6 loopback: the SIP it receives from here never shares
# an address with the telco trunk (IPv4).
sip_upstream=${SIP_WS_UPSTREAM:-[::1]:$((base + 2))/ws}
conf=${NGINX_CONF:-/etc/nginx/nginx.conf}
servers=""
for u in $web_upstreams; do
  servers+="    server $u max_fails=1 fail_timeout=5s;
"
done
if [ ! -s "$TLS_DIR/cert.pem" ] || [ ! -s "$TLS_DIR/key.pem" ]; then
  TLS_DIR=/tmp/hotline-tls
  mkdir -p "$TLS_DIR"
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=${SERVER_NAME:-localhost}" \
    -addext "subjectAltName=DNS:${SERVER_NAME:-localhost},IP:127.0.0.1" \
    -keyout "$TLS_DIR/key.pem" -out "$TLS_DIR/cert.pem" 2>/dev/null
  echo "proxy: no certificate in the TLS folder; serving a self-signed one for ${SERVER_NAME:-localhost}" >&2
fi
cat > "$conf" <<CONF
worker_processes auto;
pid ${NGINX_PID:-/run/nginx.pid};
error_log /dev/stderr warn;
events { worker_connections 4096; }
http {
  include /etc/nginx/mime.types;
  access_log /dev/stdout;
  server_tokens off;
  client_max_body_size 600m;  # the hotline enforces its own limits per path
  map \$http_upgrade \$connection_upgrade { default upgrade; '' close; }
  upstream hotline {
$servers
  }
  server {
    listen $HTTPS_PORT ssl;
    listen [::]:$HTTPS_PORT ssl;
    ssl_certificate $TLS_DIR/cert.pem;
    ssl_certificate_key $TLS_DIR/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    add_header Strict-Transport-Security "max-age=31536000" always;
    # Set here for every location (a location with a proxy_set_header of its own inherits none).
    proxy_http_version 1.1;
    proxy_set_header Upgrade \$http_upgrade;
    proxy_set_header Connection \$connection_upgrade;
    proxy_set_header Host \$http_host;
    proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto https;
    proxy_read_timeout 1h;
    proxy_send_timeout 1h;
    location = /sip {
      proxy_pass http://$sip_upstream;
    }
    location / {
      proxy_pass http://hotline;
      # A node that is down, or answers 503 (not the node serving the desktops), is skipped; a
      # request it refused was not carried out, so a POST may go on to the next node too.
      proxy_next_upstream error timeout http_503 non_idempotent;
      proxy_next_upstream_tries 3;
      proxy_request_buffering off;
    }
  }
}
CONF
exec nginx -c "$conf" -g 'daemon off;'
