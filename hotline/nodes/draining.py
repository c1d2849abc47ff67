"""Draining a node before an upgrade (`hotline drain`), with several nodes behind the SIP edge.

`hotline drain` marks the running node's heartbeat row (`node_heartbeats.draining_since`); the
node sees it at its next heartbeat and
- takes no new calls (`refuse_new_calls`): its dialplan refuses a new INVITE before answer with
  503, and the edge's OPTIONS probe gets 404, so the edge's dispatcher marks the node down and
  gives new calls to another node; the calls in progress go on, those still in the menu or
  waiting in a queue too (their operators are rung as before), and requests within them (BYE,
  re-INVITE) follow their recorded route;
- once no channel is up, stops its Asterisk (`stop_after_last_call`);
- lets go of the shared jobs' leases (mailbox, outboxes, deadline scans), which another node
  takes at its next pass, so new written conversations are read there.
When Asterisk stops after the last call, the node stops as on SIGTERM instead of restarting it.
The command waits for the node's process to end, or for its limit: then it names what is still
running and exits non-zero, the node still draining."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Awaitable, Callable, Protocol

from sqlalchemy import update
from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.edge.settings import PROBE_EXTENSION
from hotline.store.base import utcnow
from hotline.store.leases import NodeHeartbeat

log = logging.getLogger(__name__)

WAITING, STOPPED, LIMIT = "waiting", "stopped", "limit"
DRAINED_EXIT = 75  # `hotline run`'s status when it stopped after a drain (the container does not restart it)


def drain_progress(node_running: bool, waited_seconds: float, limit_seconds: float) -> str:
    """Where a drain stands: STOPPED once the node's process has ended (its calls ended and it
    stopped), LIMIT when it still runs past the limit, else WAITING."""
    if not node_running:
        return STOPPED
    if waited_seconds >= limit_seconds:
        return LIMIT
    return WAITING


def restart_after_exit(draining: bool) -> bool:
    """Whether the node restarts its Asterisk when it exits: not while draining (Asterisk stopped
    by itself after the last call, and the node stops after it)."""
    return not draining


class Cli(Protocol):
    async def cli(self, command: str, timeout: float = 10) -> str: ...


DRAINING_VARIABLE = "HOTLINE_DRAINING"  # the dialplan's from-trunk refuses new calls while it is 1


async def refuse_new_calls(asterisk: Cli) -> None:
    """No new call here, while the calls in progress go on: the dialplan refuses a new call
    before answer (SIP 503, the edge gives it to another node) and the edge's probe no longer
    finds its extension (404: the edge marks this node down). Asterisk itself keeps making
    channels, so a caller still in the menu or waiting in a queue is put through to an operator
    as before. Said again at each check: a dialplan reload would undo it."""
    await asterisk.cli(f"dialplan set global {DRAINING_VARIABLE} 1")
    await asterisk.cli(f"dialplan remove extension {PROBE_EXTENSION}@from-trunk")


def channels_in(cli_output: str) -> int | None:
    """The count of `core show channels count` ('3 active channels ...'), None if unreadable."""
    for line in cli_output.splitlines():
        words = line.split()
        if len(words) >= 3 and words[0].isdigit() and words[1:3] == ["active", "channels"]:
            return int(words[0])
    return None


async def stop_after_last_call(asterisk: Cli, poll_seconds: float = 1.0) -> None:
    """Asterisk stops once no channel is up (the node then stops: `restart_after_exit`)."""
    while True:
        try:
            await refuse_new_calls(asterisk)
            up = channels_in(await asterisk.cli("core show channels count"))
        except Exception as exc:  # Asterisk restarting or busy: asked again at the next check
            log.info("draining: Asterisk did not answer (%s)", exc)
            up = None
        if up == 0:
            break
        await asyncio.sleep(poll_seconds)
    log.warning("draining: the last call has ended; Asterisk stops")
    try:
        await asterisk.cli("core stop gracefully", timeout=3)
    except Exception as exc:  # it stops as it answers
        log.info("Asterisk stops (%s)", exc)


async def ami_channels(port: int, user: str, secret: str, timeout: float = 5) -> int:
    """The channels up on the node's Asterisk (CoreCurrentCalls), asked over AMI (its CLI refuses commands once
    it is stopping): one short session (Login, CoreStatus, Logoff)."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
    try:
        await asyncio.wait_for(reader.readline(), timeout)  # the banner
        for action in ({"Action": "Login", "Username": user, "Secret": secret, "Events": "off"},
                       {"Action": "CoreStatus"}):
            writer.write("".join(f"{k}: {v}\r\n" for k, v in action.items()).encode() + b"\r\n")
            reply = await _ami_reply(reader, timeout)
            if reply.get("Response") != "Success":
                raise RuntimeError(f"AMI {action['Action']}: {reply.get('Message', reply)}")
        writer.write(b"Action: Logoff\r\n\r\n")
        return int(reply["CoreCurrentCalls"])
    finally:
        writer.close()


async def _ami_reply(reader: asyncio.StreamReader, timeout: float) -> dict[str, str]:
    """The next response (events are off: nothing else comes)."""
    fields: dict[str, str] = {}
    while True:
        line = (await asyncio.wait_for(reader.readline(), timeout)).decode(errors="replace").rstrip("\r\n")
        if not line:
            if fields:
                return fields
            if reader.at_eof():
                raise ConnectionError("AMI closed the connection")
            continue
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()


def holder_prefix(pid: int) -> str:
    """The heartbeat holder of the process `pid` on this host (`hotline.nodes.leases.node_name`)."""
    return f"{socket.gethostname()[:60]}:{pid}:"


def running_pid(home: Path) -> int | None:
    """The process id of the hotline running with this home (its ready file), when it runs."""
    try:
        pid = int((home / "ready").read_text())
    except (OSError, ValueError):
        return None
    return pid if process_alive(pid) else None


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # an exited child not yet reaped by its parent has stopped
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


async def mark_draining(sessions: async_sessionmaker, pid: int) -> bool:
    """Mark the heartbeat row of this host's process `pid` draining (kept if already draining);
    False when it has none (not behind the SIP edge, or not yet started)."""
    async with sessions() as s, s.begin():
        done = await s.execute(update(NodeHeartbeat)
                               .where(NodeHeartbeat.holder.startswith(holder_prefix(pid), autoescape=True))
                               .values(draining_since=utcnow()))
        return done.rowcount > 0


@dataclass
class DrainResult:
    status: str  # STOPPED or LIMIT
    channels: int | None  # channels still up at the limit (None: Asterisk did not say)


def channels_said(channels: int | None) -> str:
    return (f"{channels} channel(s) up (a caller talking with an operator is two)" if channels is not None
            else "channels up: unknown (Asterisk is stopping and answers no more)")


async def wait_drained(pid: int, limit_seconds: float, channels: Callable[[], Awaitable[int]],
                       report: Callable[[str], None], period: float = 1.0) -> DrainResult:
    """Wait until the process `pid` has ended or the limit has passed, saying now and then how
    many channels its Asterisk still has."""
    started = time.monotonic()
    said = -float("inf")
    while True:
        waited = time.monotonic() - started
        status = drain_progress(process_alive(pid), waited, limit_seconds)
        if status == STOPPED:
            return DrainResult(status, 0)
        if status == LIMIT:
            return DrainResult(status, await _count(channels))
        if waited - said >= 10:
            said = waited
            report(f"{channels_said(await _count(channels))}; waiting")
        await asyncio.sleep(period)


async def _count(channels: Callable[[], Awaitable[int]]) -> int | None:
    try:
        return await channels()
    except Exception:
        return None
