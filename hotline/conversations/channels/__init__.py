"""Written channels as adapters behind one conversation core: the contract (`contract.Channel`),
one adapter per channel, and the registry the settings build (one table from a channel's name to
its adapter). A new channel is one adapter module, one settings block and a line in `build`."""

from __future__ import annotations

from typing import Awaitable, Callable, Iterable

from hotline.conversations.channels.contract import Channel
from hotline.conversations.channels.email import EmailChannel
from hotline.conversations.channels.messenger import MessengerChannel
from hotline.conversations.channels.sms import SmsChannel
from hotline.conversations.channels.webchat import WebChatChannel
from hotline.conversations.channels.zalo import ZaloChannel
from hotline.events.bus import EventBus
from hotline.errors import Refused
from hotline.settings import Messaging


class Channels:
    """The adapters by channel name. Every channel has its adapter (a conversation begun before a
    platform was taken out of the settings can still be read and answered: its outbox says why a
    message did not go); only a configured one (`config`) has its webhook."""

    def __init__(self, adapters: Iterable[Channel]):
        self.adapters: dict[str, Channel] = {a.name: a for a in adapters}

    def __getitem__(self, name: str) -> Channel:
        try:
            return self.adapters[name]
        except KeyError:
            raise Refused(409, f"Kênh {name} không còn được cấu hình", "channel_unknown") from None

    def __iter__(self):
        return iter(self.adapters.values())

    def webhooks(self) -> list[Channel]:
        """The adapters whose webhook is open: a URL, and the settings to verify it."""
        return [a for a in self if a.webhook_path and getattr(a, "config", None) is not None]


def build(messaging: Messaging | None = None, email_sender: str = "", *, bus: EventBus | None = None,
          on_mail: Callable[[], None] = lambda: None, on_chat: Callable[[], None] = lambda: None,
          on_sms: Callable[[], None] = lambda: None,
          platform_action: Callable[[str, str, str], Awaitable[None]] | None = None) -> Channels:
    """The registry from the settings and the outboxes' wake-ups."""
    messaging = messaging or Messaging()
    return Channels([
        EmailChannel(email_sender, wake=on_mail),
        WebChatChannel(bus),
        ZaloChannel(messaging.zalo, wake=on_chat, action=platform_action),
        MessengerChannel(messaging.facebook, wake=on_chat, action=platform_action),
        SmsChannel(messaging.sms, wake=on_sms),
    ])
