"""The draining decisions (hotline.nodes.draining): when `hotline drain` is done, gives up, or
waits, and whether a node restarts its Asterisk."""

import os
import subprocess
import sys
import time

from hotline.nodes.draining import LIMIT, STOPPED, WAITING, drain_progress, process_alive, restart_after_exit, channels_in, stop_after_last_call


def test_a_stopped_node_is_drained_even_past_the_limit():
    assert drain_progress(node_running=False, waited_seconds=0, limit_seconds=60) == STOPPED
    assert drain_progress(node_running=False, waited_seconds=120, limit_seconds=60) == STOPPED


def test_a_running_node_is_waited_for_until_the_limit():
    assert drain_progress(node_running=True, waited_seconds=59.9, limit_seconds=60) == WAITING
    assert drain_progress(node_running=True, waited_seconds=60, limit_seconds=60) == LIMIT
    assert drain_progress(node_running=True, waited_seconds=0, limit_seconds=0) == LIMIT


def test_a_draining_node_does_not_restart_its_asterisk():
    assert restart_after_exit(draining=False)
    assert not restart_after_exit(draining=True)


def test_an_exited_child_not_yet_reaped_has_stopped():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        # Exited but not waited for: a zombie, which still answers signal 0.
        deadline = time.monotonic() + 10
        while open(f"/proc/{child.pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z":
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert not process_alive(child.pid)
    finally:
        child.wait()
    assert not process_alive(child.pid)
    assert process_alive(os.getpid())


def test_drain_refuses_when_no_hotline_runs_with_this_home(tmp_path, capsys):
    from hotline.cli import main

    (tmp_path / "ready").write_text("999999999")  # a ready file left by a process long gone
    assert main(["--home", str(tmp_path), "drain", "--wait", "1"]) == 1
    assert "no hotline is running" in capsys.readouterr().err


class FakeAsterisk:
    """Asterisk's CLI as the drain uses it: each `core show channels count` says the next count."""

    def __init__(self, counts: list[int]):
        self.counts = counts
        self.commands: list[str] = []

    async def cli(self, command: str, timeout: float = 10) -> str:
        self.commands.append(command)
        if command == "core show channels count":
            return f"{self.counts.pop(0)} active channels\n0 active calls\n7 calls processed\n"
        return ""


def test_the_channel_count_is_read_from_the_cli():
    assert channels_in("2 active channels\n1 active call\n9 calls processed\n") == 2
    assert channels_in("0 active channels\n") == 0
    assert channels_in("Unable to connect to remote asterisk") is None


async def test_a_draining_node_keeps_refusing_new_calls_and_stops_asterisk_after_the_last_one():
    asterisk = FakeAsterisk([2, 1, 0])
    await stop_after_last_call(asterisk, poll_seconds=0)
    refusals = [c for c in asterisk.commands if c.startswith("dialplan")]
    # Said again at each check (a dialplan reload would undo it), and Asterisk stopped only at 0.
    assert refusals.count("dialplan set global HOTLINE_DRAINING 1") == 3
    assert refusals.count("dialplan remove extension alive@from-trunk") == 3
    assert asterisk.commands[-1] == "core stop gracefully"
    assert asterisk.commands.count("core stop gracefully") == 1 and asterisk.counts == []
