"""Pure pieces of the protections: the sliding-window limiter, the password policy, the client
address behind a trusted proxy, Vietnamese mobile numbers for citizen SMS."""

import pytest

from hotline.phones import vietnamese_mobile
from hotline.security.limits import RateLimiter
from hotline.security.passwords import policy_problem


def test_the_limiter_counts_in_a_sliding_window_per_key():
    now = [1000.0]
    limiter = RateLimiter(3, 60, clock=lambda: now[0])
    assert [limiter.take("a") for _ in range(4)] == [None, None, None, 60]
    assert limiter.take("b") is None  # another key is not affected
    now[0] += 30
    assert limiter.retry_after("a") == 30
    now[0] += 30.5
    assert limiter.take("a") is None  # the first hits left the window


def test_the_limiter_forgets_keys_rather_than_grow_without_bound():
    now = [0.0]
    limiter = RateLimiter(1, 10, max_keys=100, clock=lambda: now[0])
    for i in range(1000):
        limiter.hit(f"k{i}")
    assert len(limiter._hits) <= 100


@pytest.mark.parametrize("password, problem", [
    ("ngắn", "ít nhất 10"), ("tongdaivien1-quantri", "tên đăng nhập"), ("1234567890", "phổ biến"),
    ("matkhau123", "phổ biến"), ("aaaaaaaaaaaa", "phổ biến"), ("Sông Tiền chảy qua 2026", None)])
def test_the_password_policy(password, problem):
    found = policy_problem("quantri", password)
    assert (found is None) if problem is None else (problem in found), found


def test_citizen_sms_go_to_vietnamese_mobiles_only():
    assert vietnamese_mobile("098 765 4321") == "0987654321"
    assert vietnamese_mobile("+84 912 345 678") == "0912345678"
    for number in ("+1 202 555 0143", "02773851001", "0123", "", None, "0912345678901"):
        assert vietnamese_mobile(number) is None, number


def test_the_screen_pop_shows_a_state_secret_ticket_by_code_and_status_only():
    from datetime import datetime, timezone

    from hotline.ticketing.views import summary
    from hotline.store.tickets import Ticket

    t = Ticket(id=7, code="26112029", status="in_progress", draft=False, topic="infrastructure",
               caller_phone="0912345678", reporter_name="Lê Văn Kín", content="Nội dung mật", state_secret=True,
               confidential=False, created_at=datetime.now(timezone.utc))
    view = summary(t, hide_secret=True)
    assert (view["code"], view["status"], view["state_secret"]) == ("26112029", "in_progress", True)
    assert view["content"] is None and view["reporter_name"] is None
    t.state_secret = False
    assert summary(t, hide_secret=True)["content"] == "Nội dung mật"


def test_only_vietnamese_mobiles_and_fixed_lines_may_be_called():
    from hotline.phones import vietnamese_callable

    assert vietnamese_callable("0912.345.678") == "0912345678"
    assert vietnamese_callable("+84 277 3851 022") == "02773851022"
    assert vietnamese_callable("84912345678") == "0912345678"
    for number in ("19001022", "18001022", "113", "1022", "+1 202 555 0100", "0012025550100", "0112345678",
                   "09123456789", "091234567", "", None, "0912345678; Dial(x)"):
        assert vietnamese_callable(number) is None, number


def test_no_form_of_the_desktop_can_put_what_is_typed_in_an_address():
    """The desktop's forms are sent by its scripts; one submitted before its script runs (a module
    runs after the page is parsed) must not be a GET, whose query string would carry the password
    or the citizen's details into the address bar, the history and the access logs."""
    import re
    from pathlib import Path

    import hotline.agent_desktop

    static = Path(hotline.agent_desktop.__file__).parent / "static"
    forms = {(page.name, tag) for page in static.glob("*.html")
             for tag in re.findall(r"<form\b[^>]*>", page.read_text())}
    assert len(forms) > 20
    assert not [(name, tag) for name, tag in forms if 'method="post"' not in tag]
