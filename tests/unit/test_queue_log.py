"""Folding Asterisk queue_log lines into one record per queued call."""

from hotline.cti.queue_log import apply, parse_line


def fold(lines):
    calls = {}
    for line in lines:
        e = parse_line(line)
        if e is None:
            continue
        key = (e.callid, e.queue)
        result = apply(calls.get(key), e)
        if result is not None:
            calls[key] = result
    return calls


def test_an_answered_call_has_its_wait_talk_and_operator():
    calls = fold(["1763950000|1763949990.12|infrastructure|NONE|ENTERQUEUE||0912000111|1",
                  "1763950004|1763949990.12|infrastructure|op1|RINGNOANSWER|4000",
                  "1763950011|1763949990.12|infrastructure|op2|CONNECT|11|1763950008.15|3",
                  "1763950071|1763949990.12|infrastructure|op2|COMPLETECALLER|11|60|1"])
    c = calls[("1763949990.12", "infrastructure")]
    assert (c.caller, c.outcome, c.agent, c.wait_seconds, c.talk_seconds) == ("0912000111", "answered", "op2", 11, 60)
    assert c.entered_at.timestamp() == 1763950000 and c.ended_at.timestamp() == 1763950071


def test_abandoned_timed_out_and_transferred_calls():
    calls = fold(["1763950000|a.1|operator|NONE|ENTERQUEUE||0912000001|1",
                  "1763950000|b.2|operator|NONE|ENTERQUEUE||0912000002|2",
                  "1763950000|c.3|operator|NONE|ENTERQUEUE||0912000003|3",
                  "1763950025|a.1|operator|NONE|ABANDON|1|1|25",
                  "1763950030|b.2|operator|NONE|EXITWITHTIMEOUT|1|2|30",
                  "1763950033|c.3|operator|op1|CONNECT|33|x.9|2",
                  "1763950090|c.3|operator|op1|ATTENDEDTRANSFER|BRIDGE|abc|33|57|3"])
    got = {k[0]: (c.outcome, c.wait_seconds, c.talk_seconds) for k, c in calls.items()}
    assert got == {"a.1": ("abandoned", 25, None), "b.2": ("timeout", 30, None), "c.3": ("answered", 33, 57)}


def test_lines_that_are_not_call_events_are_ignored():
    assert parse_line("1763950000|NONE|NONE|NONE|QUEUESTART|") is None
    assert parse_line("1763950000|NONE|operator|PJSIP/op1|ADDMEMBER|") is None
    assert parse_line("garbage") is None and parse_line("") is None
    assert parse_line("notatime|a|b|c|ENTERQUEUE") is None
    # an event for a call whose ENTERQUEUE was never seen attaches to nothing
    assert fold(["1763950033|z.1|operator|op1|CONNECT|3|x|1"]) == {}
