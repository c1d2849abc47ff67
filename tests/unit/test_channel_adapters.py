"""Written channels are adapters behind one conversation core (#33): what differs between
channels is asked of the channel's adapter, so no module outside `hotline/conversations/channels/`
tests which channel a conversation is on; every adapter implements the whole contract; the
registry from the settings opens a webhook only for the channels configured."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from hotline.conversations import channels
from hotline.conversations.channels.contract import Channel
from hotline.settings import Messaging

PACKAGE = Path(__file__).resolve().parents[2] / "hotline"
ADAPTERS = PACKAGE / "conversations" / "channels"
NAMES = "email|webchat|zalo|facebook|sms"
# A channel compared with a written channel's name (a literal or the constant that holds it).
TESTS = [re.compile(p) for p in (
    rf"channel\w*\)?\s*(==|!=|\bnot\s+in\b|\bin\b)\s*[(\[{{]?\s*[\"'](?:{NAMES})[\"']",
    rf"[\"'](?:{NAMES})[\"']\s*(==|!=)\s*[\w.]*channel",
    r"channel\w*\s*(==|!=)\s*(EMAIL|WEBCHAT|ZALO|FACEBOOK|MESSENGER|SMS)\b",
    rf"channel\.(in_|notin_)\(\s*[(\[]?\s*[\"'](?:{NAMES})[\"']",
)]
ALLOWED: set[str] = set()  # files allowed to compare channel names outside the adapters: none


def channel_tests(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if any(t.search(line) for t in TESTS)]


def test_the_grep_finds_the_tests_it_forbids():
    for line in ('if conv.channel == "email":', "elif channel != WEBCHAT:", 'if c.channel not in ("email", "webchat")',
                 'Conversation.channel.notin_(("email", "webchat"))', "if 'zalo' == msg.channel:",
                 'where(Conversation.channel == "sms")'):
        assert channel_tests(line), line
    for line in ("channel = self.channels[conv.channel]", 'Ticket.channel == "phone"',
                 "ConversationMessage.channel == inbound.channel"):
        assert not channel_tests(line), line


def test_no_module_outside_the_adapters_tests_which_channel_it_is():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = str(path.relative_to(PACKAGE.parent))
        if path.is_relative_to(ADAPTERS) or "migrations" in path.parts or rel in ALLOWED:
            continue
        found += [f"{rel}: {line}" for line in channel_tests(path.read_text(encoding="utf-8"))]
    assert not found, "channel-specific code belongs in an adapter (hotline/conversations/channels/):\n" + "\n".join(found)


def test_every_adapter_implements_the_whole_contract():
    members = [n for n, _ in inspect.getmembers(Channel) if not n.startswith("_")]
    members += list(Channel.__annotations__)
    registry = channels.build()
    assert {a.name for a in registry} == {"email", "webchat", "zalo", "facebook", "sms"}
    for adapter in registry:
        missing = [m for m in members if not hasattr(adapter, m)]
        assert not missing, f"{type(adapter).__name__} lacks {missing}"
        assert adapter.address_kind in ("email", "phone", "platform")


def test_the_registry_opens_the_webhooks_of_the_configured_channels_only():
    assert channels.build(Messaging()).webhooks() == []
    configured = channels.build(Messaging.model_validate({
        "sms": {"secret_env": "SMS_SECRET"},
        "facebook": {"app_secret_env": "A", "verify_token_env": "V", "page_token_env": "P"}}))
    assert sorted(a.webhook_path for a in configured.webhooks()) == ["/webhooks/facebook", "/webhooks/sms"]
