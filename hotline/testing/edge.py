"""The SIP edge (Kamailio, through `hotline-edge run`) in a child process, for tests and benchmarks:
its settings written from a list of nodes, started, asked whether it answers, stopped."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

from hotline.edge.probe import options_status
from hotline.edge.settings import load_edge_settings
from hotline.testing.ports import free_server_port
from hotline.testing.processes import stop_group


class EdgeInstance:
    def __init__(self, folder: Path, nodes: list[tuple[str, str, int]] | None = None, probe_seconds: int = 1,
                 no_reply_ms: int = 1000, mode: str = "active-standby", database_url: str | None = None,
                 trunk_sources: list[str] | None = None):
        """`nodes`: (name, host:port of its trunk transport, priority), also settable until `start`.
        With `database_url` (the nodes' PostgreSQL, migrated before the start), the edge is also
        the operators' registrar on a WebSocket. `trunk_sources`: who may send calls (all of loopback
        by default)."""
        self.folder = folder
        self.port = free_server_port()
        self.ws_port = free_server_port() if database_url else None
        self.proc: asyncio.subprocess.Process | None = None
        self.nodes = list(nodes or [])
        self.options = [f"probe_seconds = {probe_seconds}", f"no_reply_ms = {no_reply_ms}", f'mode = "{mode}"']
        self.database_url = database_url
        self.trunk_sources = list(trunk_sources or ["127.0.0.0/8"])
        self.settings = folder / "edge.toml"
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o755)  # Kamailio runs as its own user when started by root

    def write_settings(self) -> None:
        sources = ", ".join(f'"{s}"' for s in self.trunk_sources)
        lines = [f'listen = "127.0.0.1:{self.port}"', f"trunk_sources = [{sources}]", *self.options]
        for name, sip, priority in self.nodes:
            lines += ["[[nodes]]", f'name = "{name}"', f'sip = "{sip}"', f"priority = {priority}"]
        if self.database_url:
            lines += ["[operators]", f'ws_listen = "127.0.0.1:{self.ws_port}"', f'database_url = "{self.database_url}"']
        self.settings.write_text("\n".join(lines) + "\n")
        os.chmod(self.settings, 0o644)

    @property
    def sip_target(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.ws_port}"

    @property
    def log(self) -> str:
        path = self.folder / "edge.out"
        return path.read_text(errors="replace") if path.exists() else ""

    async def start(self, timeout: float = 30) -> None:
        self.write_settings()
        out = open(self.folder / "edge.out", "ab")
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "hotline.edge_cli", "run", "--settings", str(self.settings),
            "--dir", str(self.folder / "kamailio"), stdout=out, stderr=out, stdin=asyncio.subprocess.DEVNULL,
            start_new_session=True)
        out.close()
        settings, _ = load_edge_settings(self.settings)
        deadline = time.monotonic() + timeout
        # Ready when its own health check passes (the container's too).
        while await asyncio.to_thread(options_status, settings, 0.5) != 200:
            if self.proc.returncode is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the edge did not start: {self.log[-3000:]}")

    async def stop(self) -> None:
        await stop_group(self.proc, 15)
