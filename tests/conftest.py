"""How the suite is shared between parallel workers (pytest-xdist, `bash scripts/test.sh`).

A test file is one unit of work, run on one worker in its order (its module fixtures start once,
and tests that rely on an earlier one's state keep it). Files whose tests load the machine most
(several processes each) share one unit, so that no two of them run at the same time. Units are
handed out longest first, from the figures below, so the last ones to end are short."""

from __future__ import annotations

import pytest

# Files that start a whole deployment (containers, several nodes with an edge and a proxy): run
# one after the other on one worker, beside lighter files on the others.
HEAVY = {
    "tests/integration/test_production_stack.py",
    "tests/integration/test_edge_failover.py",
}

# Rough seconds per test of each folder, then of the files that take far longer (measured on a
# 2-core machine); only the order of the units depends on them, never what runs.
SECONDS_PER_TEST = {"tests/integration/": 30, "tests/store/": 2, "tests/unit/": 1}
SECONDS_PER_FILE = {
    "tests/integration/test_production_stack.py": 600,
    "tests/integration/test_edge_failover.py": 200,
    "tests/integration/test_survival.py": 190,
    "tests/integration/test_callbacks.py": 150,
    "tests/integration/test_virtual_hold.py": 140,
    "tests/integration/test_api_fuzz.py": 120,
    "tests/integration/test_knowledge_desk.py": 90,
    "tests/store/test_backup.py": 250,
    "tests/store/test_chat_platforms.py": 200,
    "tests/unit/test_vad.py": 80,
    "tests/unit/test_recordings.py": 150,
}


def unit_of(nodeid: str) -> str:
    path = nodeid.split("::", 1)[0]
    return "heavy" if path in HEAVY else path


def estimate(unit: str, nodeids: list[str]) -> float:
    paths = set(HEAVY) if unit == "heavy" else {unit}
    known = sum(SECONDS_PER_FILE.get(p, 0) for p in paths)
    rate = next((s for folder, s in SECONDS_PER_TEST.items() if unit.startswith(folder)), 1)
    return known or rate * len(nodeids)


def _scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class FileScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return unit_of(nodeid)

        def _assign_work_unit(self, node) -> None:
            # The longest unit left first (LoadScopeScheduling takes the first in the queue).
            longest = max(self.workqueue, key=lambda unit: estimate(unit, list(self.workqueue[unit])))
            self.workqueue.move_to_end(longest, last=False)
            super()._assign_work_unit(node)

        def _reschedule(self, node) -> None:
            # A worker keeps its last test until it knows the next one (or that none comes): give
            # it the next unit then, not while other tests of its unit wait, so that no unit
            # queues behind a long one while another worker is free.
            if node.shutting_down:
                return
            if not self.workqueue:
                node.shutdown()
                return
            if self._pending_of(self.assigned_work[node]) > 1:
                return
            self._assign_work_unit(node)

    return FileScheduling(config, log)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getoption("dist") in ("loadfile", "loadgroup"):
        return _scheduler(config, log)
    return None
