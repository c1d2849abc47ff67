"""The draining decisions (hotline.nodes.draining): when `hotline drain` is done, gives up, or
waits, and whether a node restarts its Asterisk."""

import os
import subprocess
import sys
import time

from hotline.nodes.draining import LIMIT, STOPPED, WAITING, drain_progress, process_alive, restart_after_exit


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
