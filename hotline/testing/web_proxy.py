"""The TLS proxy of the container stack (docker/proxy-entrypoint.sh: the same nginx
configuration) run on this machine in front of several nodes, for the failover test."""

from __future__ import annotations

import asyncio
import os
import ssl
import time
from pathlib import Path

from hotline.settings import REPO_ROOT
from hotline.testing.ports import free_server_port
from hotline.testing.processes import stop_group

ENTRYPOINT = REPO_ROOT / "docker" / "proxy-entrypoint.sh"


class WebProxy:
    def __init__(self, folder: Path, sip_upstream: str):
        """`sip_upstream`: where /sip goes (the edge's WebSocket, ADDRESS:PORT). The nodes' desktops
        (`web_upstreams`, ADDRESS:PORT) are set before `start`."""
        self.folder = folder
        self.port = free_server_port()
        self.sip_upstream = sip_upstream
        self.web_upstreams: list[str] = []
        self.proc: asyncio.subprocess.Process | None = None
        folder.mkdir(parents=True, exist_ok=True)

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"wss://127.0.0.1:{self.port}/sip"

    @property
    def log(self) -> str:
        path = self.folder / "proxy.out"
        return path.read_text(errors="replace") if path.exists() else ""

    async def start(self, timeout: float = 20) -> None:
        env = {**os.environ, "HTTPS_PORT": str(self.port), "TLS_DIR": str(self.folder / "tls"),
               "WEB_UPSTREAMS": " ".join(self.web_upstreams), "SIP_WS_UPSTREAM": self.sip_upstream,
               "NGINX_CONF": str(self.folder / "nginx.conf"), "NGINX_PID": str(self.folder / "nginx.pid")}
        out = open(self.folder / "proxy.out", "ab")
        self.proc = await asyncio.create_subprocess_exec(
            "bash", str(ENTRYPOINT), env=env, stdout=out, stderr=out, stdin=asyncio.subprocess.DEVNULL,
            start_new_session=True)
        out.close()
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        deadline = time.monotonic() + timeout
        while True:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port, ssl=context)
                writer.close()
                return
            except OSError:
                if self.proc.returncode is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the proxy did not start: {self.log[-3000:]}")
                await asyncio.sleep(0.2)

    async def stop(self) -> None:
        await stop_group(self.proc, 10)
