"""The application's AMI user, as an attacker holding its secret would try it on the real Asterisk:
no shell (Originate into System or Exec, SHELL() through Getvar, the Command action), no module
loads or reloads, no configuration writes; and every action the application sends is allowed."""

from __future__ import annotations

import ast
import time
from pathlib import Path

import pytest

from hotline.testing.instance import AmiObserver

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def actions_the_application_sends() -> set[str]:
    """Every literal {"Action": ...} in hotline/ outside the test helpers."""
    found = set()
    for path in (ROOT / "hotline").rglob("*.py"):
        if path.is_relative_to(ROOT / "hotline" / "testing"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values):
                    if isinstance(key, ast.Constant) and key.value == "Action" and isinstance(value, ast.Constant):
                        found.add(value.value)
    return found


async def send(ami: AmiObserver, action: dict) -> dict:
    res = await ami.manager.send_action(action, as_list=False)
    return dict(res[0] if isinstance(res, list) else res)


async def test_the_ami_user_cannot_reach_a_shell(line, tmp_path):
    ami = line.ami
    marker = tmp_path / "owned"
    for app, data in (("System", f"touch {marker}"), ("TrySystem", f"touch {marker}"),
                      ("Exec", f"System(touch {marker})")):
        res = await send(ami, {"Action": "Originate", "Channel": "Local/s@nowhere", "Application": app,
                               "Data": data, "Async": "false", "Timeout": "3000"})
        assert res.get("Response") == "Error" and "Forbidden" in res.get("Message", ""), (app, res)
    res = await send(ami, {"Action": "Originate", "Channel": "Local/s@nowhere", "Application": "NoOp",
                           "Data": f"${{SHELL(touch {marker})}}", "Async": "false", "Timeout": "3000"})
    assert res.get("Response") == "Error" and "Forbidden" in res.get("Message", ""), res
    res = await send(ami, {"Action": "Getvar", "Variable": f"SHELL(touch {marker})"})
    assert res.get("Response") == "Error", res
    for action in ({"Action": "Command", "Command": f"!touch {marker}"},
                   {"Action": "ModuleLoad", "Module": "res_pjsip.so", "LoadType": "reload"},
                   {"Action": "Reload", "Module": "res_pjsip.so"},
                   {"Action": "UpdateConfig", "SrcFilename": "extensions.conf", "DstFilename": "extensions.conf",
                    "Action-000000": "Append", "Cat-000000": "x", "Var-000000": "exten", "Value-000000": "1,1,System(id)"},
                   {"Action": "DBPut", "Family": "x", "Key": "y", "Val": "z"}):
        res = await send(ami, action)
        assert res.get("Response") == "Error" and "Permission denied" in res.get("Message", ""), (action, res)
    # Whatever Asterisk did, nothing ran: wait for a ping's round trip, then look.
    assert (await send(ami, {"Action": "Ping"})).get("Response") == "Success"
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline and not marker.exists():
        await ami.wait_for(lambda e: False, timeout=0.2)
    assert not marker.exists()


async def test_every_action_the_application_sends_is_allowed(line):
    sent = actions_the_application_sends()
    assert {"QueueAdd", "Originate", "Hangup", "BlindTransfer", "CoreShowChannels"} <= sent
    res = await send(line.ami, {"Action": "ListCommands"})
    allowed = {key for key in res if key not in ("Response", "ActionID", "Message")}
    assert sent - allowed == set(), "actions the application sends that its AMI user may not"
    assert not {"Command", "ModuleLoad", "Reload", "UpdateConfig", "GetConfig", "DBPut"} & allowed
