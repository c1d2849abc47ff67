"""Whether and how each written channel may send a ticket's notice now (#31 item 8): the
platforms' messaging rules as the adapters state them (`Channel.reach`)."""

from datetime import datetime, timedelta, timezone

from hotline.conversations import channels
from hotline.conversations.chat_outbox import TAG_MARK, tag_of
from hotline.conversations.channels.contract import Reach
from hotline.conversations.platforms import facebook_payload
from hotline.store.conversations import Conversation

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=timezone.utc)
registry = channels.build()


def reach(channel: str, hours_since: float | None, sent_since: int = 0, status: str = "open"):
    last_in = NOW - timedelta(hours=hours_since) if hours_since is not None else None
    return registry[channel].reach(Conversation(channel=channel, status=status), last_in, sent_since, NOW)


def test_messenger_answers_within_24_hours_then_only_with_the_update_tag():
    assert reach("facebook", 23.9) == Reach()
    assert reach("facebook", 24) == Reach(tag="ACCOUNT_UPDATE")
    assert reach("facebook", 24 * 30) == Reach(tag="ACCOUNT_UPDATE")
    assert reach("facebook", None) is None  # the page never heard from this person


def test_zalo_sends_eight_replies_within_48_hours_of_the_citizens_last_message():
    assert reach("zalo", 47.9, sent_since=7) == Reach()
    assert reach("zalo", 1, sent_since=8) is None
    assert reach("zalo", 48) is None and reach("zalo", None) is None


def test_mail_and_sms_threads_have_no_window_and_a_closed_web_chat_is_gone():
    assert reach("email", 24 * 90) == Reach() and reach("sms", 24 * 90) == Reach()
    assert reach("webchat", 1) == Reach() and reach("webchat", 1, status="closed") is None


def test_a_tagged_message_keeps_its_tag_from_the_outbox_row_to_the_send_api():
    assert tag_of(f"notice:7:result:3{TAG_MARK}ACCOUNT_UPDATE") == "ACCOUNT_UPDATE"
    assert tag_of("notice:7:result:3") is None
    assert facebook_payload("psid", "Kết quả", "ACCOUNT_UPDATE") == {
        "recipient": {"id": "psid"}, "messaging_type": "MESSAGE_TAG", "tag": "ACCOUNT_UPDATE",
        "message": {"text": "Kết quả"}}
    assert facebook_payload("psid", "Trả lời")["messaging_type"] == "RESPONSE"
