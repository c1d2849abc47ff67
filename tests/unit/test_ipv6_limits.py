"""Per-address limits count an IPv6 client by its /64 (one subscriber's line)."""

from hotline.security.limits import RateLimiter, address_key


def test_an_ipv6_address_counts_as_its_slash_64_and_other_keys_as_themselves():
    assert address_key("2001:db8:1:2:aaaa:bbbb:cccc:dddd") == "2001:db8:1:2::/64"
    assert address_key("::ffff:203.0.113.9") == "203.0.113.9"
    assert address_key("203.0.113.9") == "203.0.113.9"
    assert address_key("nguyenvana") == "nguyenvana" and address_key("0912345678") == "0912345678"


def test_new_addresses_in_the_same_slash_64_share_one_limit():
    limiter = RateLimiter(2, 60, clock=lambda: 0.0)
    assert limiter.take("2001:db8:1:2::1") is None and limiter.take("2001:db8:1:2::ffff:2") is None
    assert limiter.take("2001:db8:1:2:1234::3") is not None
    assert limiter.take("2001:db8:1:3::1") is None
