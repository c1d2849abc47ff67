"""Child servers the tests start in their own process group (an edge, a proxy, a mail server)."""

from __future__ import annotations

import asyncio
import os
import signal


async def stop_group(proc: asyncio.subprocess.Process | None, grace: float = 10) -> None:
    """SIGTERM to the child's whole group, SIGKILL if it has not ended within `grace` seconds."""
    if proc is None or proc.returncode is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        await asyncio.wait_for(proc.wait(), grace)
    except asyncio.TimeoutError:
        os.killpg(proc.pid, signal.SIGKILL)
        await proc.wait()
