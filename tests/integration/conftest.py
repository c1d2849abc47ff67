"""A real hotline (Asterisk + FastAGI IVR + SQLite) started once per test session, SIPp callers,
and an AMI observer. Calls are correlated with AMI events by the caller's number."""

from __future__ import annotations

import contextlib
import os
import itertools
import random
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from hotline.settings import DEFAULT_CONFIG_DIR
from hotline.cti.model import channel_vars
from hotline.testing import ports
from hotline.testing.instance import AmiObserver, HotlineInstance
from hotline.testing.ports import free_hotline_base
from hotline.testing.sipp import CallScript, SippResult, run_sipp

_sipp_ports = itertools.cycle(ports.PHONES)


@pytest.fixture(scope="session")
def workdir():
    # Short paths: Asterisk's control socket path must stay under 108 bytes.
    path = Path(tempfile.mkdtemp(prefix="hlt-", dir="/tmp"))
    yield path
    if not os.environ.get("HOTLINE_KEEP_TEST_DIRS"):
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def config_dir(workdir) -> Path:
    """The shipped configuration, plus two test profiles derived from Đồng Tháp that do not depend
    on the time the tests run: always open, and never open (after-hours)."""
    target = workdir / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, target)
    (target / "profiles" / "test_open.yaml").write_text(
        "extends: dong_thap\nname: Đồng Tháp (test, always open)\ncalendar:\n  always_open: true\n"
        "transfers:\n  ring_seconds: 8\n")
    queues = (target / "queues" / "dong_thap.yaml").read_text()
    (target / "queues-short-wait.yaml").write_text(queues.replace("    topic: general\n",
                                                                  "    topic: general\n    max_wait_seconds: 30\n"))
    (target / "profiles" / "test_short_wait.yaml").write_text(
        "extends: test_open\nname: Đồng Tháp (test, 30 s queue wait)\nqueues: queues-short-wait.yaml\n")
    (target / "profiles" / "test_closed.yaml").write_text(
        "extends: dong_thap\nname: Đồng Tháp (test, closed)\ncalendar:\n  always_open: false\n  weekdays: []\n")
    return target


@dataclass
class CallRecord:
    caller: str
    sipp: SippResult
    events: list[dict] = field(default_factory=list)

    def of(self, name: str) -> list[dict]:
        return [e for e in self.events if e.get("Event") == name]

    def prompts(self) -> list[str]:
        """Prompt names the IVR streamed (from AGIExecStart STREAM FILE / GET DATA on AMI)."""
        names = []
        for e in self.of("AGIExecStart"):
            words = e.get("Command", "").split()
            if len(words) > 2 and words[0] in ("STREAM", "GET") and words[1] in ("FILE", "DATA"):
                names.append(Path(words[2]).name)
        return names

    def queues_joined(self) -> list[str]:
        return [e["Queue"] for e in self.of("QueueCallerJoin")]

    def var(self, name: str) -> str | None:
        values = [e.get("Value") for e in self.of("VarSet") if e.get("Variable", "").lstrip("_") == name]
        return values[-1] if values else None

    def join_vars(self) -> dict[str, str]:
        joins = self.of("QueueCallerJoin")
        return channel_vars(joins[-1]) if joins else {}


class Line:
    """One running hotline with its AMI observer."""

    def __init__(self, instance: HotlineInstance, ami: AmiObserver):
        self.instance = instance
        self.ami = ami

    async def call(self, script: CallScript, number: str = "1022", caller: str | None = None,
                   timeout: float = 150, via: str | None = None) -> CallRecord:
        """A SIPp caller to this hotline, or to `via` (the SIP edge: host:port) when the call is
        expected to land here through it."""
        caller = caller or "09" + "".join(random.choices("0123456789", k=8))
        port = next(_sipp_ports)
        result = await run_sipp(script, via or self.instance.sip_target, number, caller, port, port + 10, timeout)
        ids = self.ami.linkedids_of(caller)
        for lid in ids:  # the hangup reaches AMI just after SIPp ends
            await self.ami.wait_for(lambda e, lid=lid: e.get("Event") == "Hangup" and e.get("Linkedid") == lid
                                    and e.get("Uniqueid") == lid, timeout=10)
        events = [e for lid in ids for e in self.ami.by_linkedid[lid]]
        return CallRecord(caller, result, events)


@contextlib.asynccontextmanager
async def running_line(workdir: Path, name: str, profile: str, config_dir: Path, ivr: bool = True,
                       extra_settings: str = "", base: int | None = None):
    """A hotline on its own home folder and ports, with its AMI observer, stopped afterwards. The
    same `name` and `base` start the same hotline again (its database kept)."""
    base = base or free_hotline_base()
    inst = HotlineInstance(workdir / f"home-{name}", base, profile, config_dir, ivr=ivr, extra_settings=extra_settings)
    await inst.start()
    ami = AmiObserver(inst)
    try:
        await ami.connect()
        yield Line(inst, ami)
    finally:
        ami.close()
        await inst.stop()


@pytest.fixture(scope="session")
async def line(workdir, config_dir):
    async with running_line(workdir, "open", "test_open", config_dir) as ln:
        yield ln


@pytest.fixture(scope="module")
async def closed_line(workdir, config_dir):
    async with running_line(workdir, "closed", "test_closed", config_dir) as ln:
        yield ln


@pytest.fixture(scope="module")
async def line_without_ivr(workdir, config_dir):
    """A second instance side by side, whose FastAGI server is not running."""
    async with running_line(workdir, "noivr", "test_open", config_dir, ivr=False) as ln:
        yield ln


@pytest.fixture(scope="session")
async def desktop_line(workdir, config_dir):
    """An instance for the desktop tests: operators who log in join its queues, so it is kept
    apart from the switchboard tests' instance."""
    async with running_line(workdir, "desk", "test_open", config_dir, extra_settings="deadline_scan_seconds = 1") as ln:
        yield ln


@pytest.fixture(scope="module")
async def resync_line(workdir, config_dir):
    """An instance of its own: the resynchronisation test kills its Asterisk."""
    async with running_line(workdir, "resync", "test_open", config_dir) as ln:
        yield ln


@pytest.fixture(scope="module")
async def store(desktop_line):
    """The desktop instance's database, as an administrator's tool would reach it."""
    from tests.integration.desktop_support import Store

    s = Store(desktop_line.instance.home)
    yield s
    await s.close()


@pytest.fixture(scope="session")
async def playwright_session():
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        yield p


@pytest.fixture(autouse=True)
async def _contexts_end_with_their_test():
    """Browser contexts a test opened and left open (a failure half-way, a forgotten close) are
    closed after it: a logged-in desktop left behind would keep its softphone registered and in
    the queues, and its page running, for the rest of the worker's tests."""
    from hotline.testing.browser import open_contexts

    before = set(open_contexts())
    yield
    for context in open_contexts():
        if context not in before:
            with contextlib.suppress(Exception):
                await context.close()


@pytest.fixture(scope="module")
async def short_wait_line(workdir, config_dir):
    """The operator queue gives up after 30 s (the shortest wait a queue may have)."""
    async with running_line(workdir, "shortwait", "test_short_wait", config_dir) as ln:
        yield ln
