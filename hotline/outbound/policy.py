"""Whether a call to a citizen may be placed: pure checks, no I/O, so that every refusal is
unit-tested. Toll fraud from a stolen desktop session is what they stop: the number comes from a
ticket or a callback request (never typed), it must be a Vietnamese mobile or fixed line, the time
must be within the profile's calling hours, and one operator places a limited number per hour."""

from __future__ import annotations

from datetime import datetime

from hotline.config.outbound import OutboundPolicy
from hotline.errors import Refused
from hotline.phones import vietnamese_callable


def callable_number(raw: str | None) -> str:
    """The number to dial, in national form, or a refusal that says why."""
    if not raw:
        raise Refused(409, "Phiếu/yêu cầu này không có số điện thoại để gọi", "no_number")
    number = vietnamese_callable(raw)
    if number is None:
        raise Refused(403, "Chỉ gọi được số điện thoại Việt Nam (di động hoặc cố định)", "number_not_allowed")
    return number


def check_hours(policy: OutboundPolicy, now: datetime, tz: str) -> None:
    if not policy.calling_hours.allows(now, tz):
        raise Refused(403, f"Ngoài giờ được gọi cho công dân ({policy.calling_hours.describe()})",
                      "outside_calling_hours")


def check_rate(policy: OutboundPolicy, placed_last_hour: int) -> None:
    if placed_last_hour >= policy.per_operator_per_hour:
        raise Refused(429, f"Bạn đã gọi ra {placed_last_hour} cuộc trong một giờ qua: đã đến giới hạn",
                      "outbound_limit")
