"""The menu logic against a scripted channel (no Asterisk): what a caller would hear and where the
call goes for each sequence of keys. The same flows run against a real Asterisk in
tests/integration."""


import pytest

from hotline.config.profile import load_profile
from hotline.ivr.session import CallerHungUp, IvrSession
from hotline.settings import DEFAULT_CONFIG_DIR
from hotline.config.statuses import STATUSES


class ScriptedChannel:
    """Answers each prompt with the next scripted key (None: silence). Records what was played."""

    caller, linkedid = "0901234567", "test.1"

    def __init__(self, keys, codes=()):
        self.keys = list(keys)
        self.codes = list(codes)
        self.played: list[str] = []
        self.vars: dict[str, str] = {}

    def _next(self):
        if not self.keys:
            raise CallerHungUp("script ended")
        return self.keys.pop(0)

    async def play(self, prompts, escape="0123456789*#"):
        self.played += prompts
        if not escape:
            return None
        return self._next()

    async def wait_key(self, seconds):
        return self._next()

    async def read_digits(self, prompt, max_digits, seconds):
        self.played.append(prompt)
        return self.codes.pop(0) if self.codes else ""

    async def set_var(self, name, value):
        self.vars[name] = value


@pytest.fixture(scope="module")
def profile():
    return load_profile(DEFAULT_CONFIG_DIR, "dong_thap", STATUSES)


def session(profile, statuses=None, callbacks=None):
    statuses = statuses or {}

    async def lookup(code):
        return statuses.get(code)

    async def record(caller, reason, queue, linkedid):
        callbacks.append((caller, reason))

    return IvrSession(profile.menu, profile.queues, set(profile.prompts.prompts), lookup, record)


async def run(profile, keys, codes=(), statuses=None, is_open=True, callbacks=None):
    ch = ScriptedChannel(keys, codes)
    outcome = await session(profile, statuses, callbacks).run(ch, is_open)
    return outcome, ch


# A key pressed during the greeting counts as the menu choice; None = the greeting played out.
async def test_key_2_queues_infrastructure(profile):
    outcome, ch = await run(profile, [None, "2"])
    assert (outcome.action, outcome.queue, outcome.topic, outcome.path) == ("queue", "infrastructure",
                                                                           "infrastructure", ["2"])
    assert ch.played[-1] == "main_menu"  # nothing after the key: the call joins the queue at once
    assert "QUEUE_PRIO" not in outcome.variables() and "HOTLINE_URGENT" not in outcome.variables()


async def test_invalid_keys_three_times_go_to_operators(profile):
    outcome, ch = await run(profile, ["7", "8", "5"])
    assert (outcome.queue, outcome.reason) == ("operator", "invalid")
    assert ch.played.count("invalid_choice") == 2


async def test_a_valid_key_resets_the_invalid_count(profile):
    outcome, _ = await run(profile, ["7", "8", "1", "7", "*", None, "2"])
    assert (outcome.queue, outcome.path) == ("infrastructure", ["1", "*", "2"])


async def test_silence_twice_goes_to_operators(profile):
    outcome, ch = await run(profile, [None, None, None, None, None])
    assert (outcome.queue, outcome.reason) == ("operator", "no_input")
    assert ch.played.count("main_menu") == 2


async def test_emergency_key_names_113_114_115_and_back_to_the_menu(profile):
    # 9, the message (silence: it repeats), then * back to the main menu, then 3.
    outcome, ch = await run(profile, [None, "9", None, None, "*", "3"])
    assert ch.played.count("emergency_menu") == 2
    assert ch.played.index("main_menu", ch.played.index("emergency_menu")) > 0
    assert (outcome.queue, outcome.path) == ("socio_economic", ["9", "*", "3"])
    assert "QUEUE_PRIO" not in outcome.variables()
    said = profile.prompts.prompts["emergency_menu"]
    assert all(n in said for n in ("một một ba", "một một bốn", "một một năm", "dây điện"))


@pytest.mark.parametrize("profile_id", ["dong_thap", "dong_nai", "thanh_hoa"])
async def test_an_urgent_matter_goes_to_an_operator_ahead_of_the_queue(profile_id):
    """Đồng Tháp Art. 9.1: an urgent matter in scope reaches an operator at once: the operator
    queue with a priority above every waiting caller (and above a transfer back, 10), marked urgent."""
    p = load_profile(DEFAULT_CONFIG_DIR, profile_id, STATUSES)
    outcome, ch = await run(p, [None, "9", "1"])
    assert (outcome.action, outcome.queue, outcome.reason, outcome.path) == ("queue", "operator", "choice",
                                                                            ["9", "1"])
    v = outcome.variables()
    assert int(v["QUEUE_PRIO"]) > 10 and v["HOTLINE_URGENT"] == "1"
    assert ch.played[-1] == "emergency_menu"  # joins at the key press, nothing after it


async def test_status_look_up_reads_the_code_and_the_status(profile):
    outcome, ch = await run(profile, [None, "1", "2", None, None, "0"], codes=["26112029"],
                            statuses={"26112029": "answered"})
    i = ch.played.index("lookup_status_intro")
    assert ch.played[i + 1:i + 10] == [f"digit_{d}" for d in "26112029"] + ["status_answered"]
    assert ch.vars["HOTLINE_TICKET_CODE"] == "26112029"
    assert outcome.queue == "operator"


async def test_status_look_up_not_found_and_malformed(profile):
    _, ch = await run(profile, [None, "1", "2", None, None, "0"], codes=["12345674"])
    assert "lookup_not_found" in ch.played and ch.vars["HOTLINE_TICKET_STATUS"] == "not_found"
    _, ch = await run(profile, [None, "1", "2", None, None, None, "0"], codes=["12345678", "1"])
    assert ch.played.count("lookup_invalid_code") == 2


async def test_after_hours_callback(profile):
    callbacks = []
    outcome, ch = await run(profile, ["1"], is_open=False, callbacks=callbacks)
    assert outcome.action == "hangup" and callbacks == [("0901234567", "after_hours")]
    assert ch.played == ["after_hours", "callback_registered", "goodbye"]
    callbacks.clear()
    outcome, ch = await run(profile, [None, None], is_open=False, callbacks=callbacks)
    assert outcome.action == "hangup" and callbacks == [] and ch.played == ["after_hours", "goodbye"]


async def test_variables_for_the_dialplan(profile):
    outcome, _ = await run(profile, [None, "1", "1"])
    assert outcome.variables() == {
        "HOTLINE_ACTION": "queue", "HOTLINE_EXIT_REASON": "choice", "HOTLINE_IVR_PATH": "1-1",
        "HOTLINE_QUEUE": "procedures", "HOTLINE_TOPIC": "administrative_procedures",
        "HOTLINE_QUEUE_TIMEOUT": "900"}


async def test_a_number_that_looks_up_too_often_is_told_to_call_later(profile):
    """Guessing codes by phone: past the limit for the calling number, no status is read out."""
    from hotline.security.limits import RateLimiter

    limiter = RateLimiter(2, 3600)
    looked_up = []

    async def lookup(code):
        looked_up.append(code)
        return "answered"

    async def record(*args):
        pass

    s = IvrSession(profile.menu, profile.queues, set(profile.prompts.prompts), lookup, record,
                   lookup_allowed=lambda caller: limiter.take(caller) is None)
    heard = []
    for _ in range(3):
        ch = ScriptedChannel([None, "1", "2", None, None, "0"], ["26112029"])
        await s.run(ch, True)
        heard.append(ch.vars["HOTLINE_TICKET_STATUS"])
    assert heard == ["answered", "answered", "limited"]
    assert "lookup_too_many" in ch.played and "status_answered" not in ch.played
    assert len(looked_up) == 2


def test_numbers_are_said_the_vietnamese_way():
    from hotline.ivr.say import number_prompts

    assert number_prompts(3) == ["digit_3"]
    assert number_prompts(10) == ["number_ten"]
    assert number_prompts(15) == ["number_ten", "number_five_after_tens"]  # mười lăm
    assert number_prompts(17) == ["number_ten", "digit_7"]
    assert number_prompts(20) == ["digit_2", "number_tens"]
    assert number_prompts(21) == ["digit_2", "number_tens", "number_one_after_tens"]  # hai mươi mốt
    assert number_prompts(24) == ["digit_2", "number_tens", "number_four_after_tens"]  # hai mươi tư
    assert number_prompts(45) == ["digit_4", "number_tens", "number_five_after_tens"]  # bốn mươi lăm
    assert number_prompts(99) == ["digit_9", "number_tens", "digit_9"]
    with pytest.raises(ValueError):
        number_prompts(100)


def test_asterisk_says_queue_positions_with_the_same_vietnamese_words():
    """The files Asterisk's Vietnamese number syntax plays (say.c: digits/N below 20, digits/20.. for
    tens, then 1a, 4a, 5a for mốt, tư, lăm) carry the same words as the IVR's numbers."""
    from hotline.ivr.say import asterisk_number_texts

    texts = {"digit_0": "không", "digit_1": "một", "digit_2": "hai", "digit_4": "bốn", "digit_5": "năm",
             "number_ten": "mười", "number_tens": "mươi", "number_one_after_tens": "mốt",
             "number_four_after_tens": "tư", "number_five_after_tens": "lăm", "number_hundred": "trăm"}
    files = asterisk_number_texts(texts)
    assert files["digits/0"] == "không" and files["digits/10"] == "mười"
    assert files["digits/15"] == "mười lăm" and files["digits/14"] == "mười bốn"
    assert files["digits/20"] == "hai mươi"
    assert (files["digits/1a"], files["digits/4a"], files["digits/5a"]) == ("mốt", "tư", "lăm")
    assert files["digits/0-hundred"] == "không trăm"
    assert "digits/3" not in files and "digits/odd" not in files  # no words for them: left out


def test_the_queue_announces_the_place_where_the_profile_says_so(tmp_path):
    """Rendered into queues.conf: with virtual_hold.announce_position, the queue itself says the
    caller's place at once (our prompts around Asterisk's number), the wait once, no English
    thank-you; without it (Đồng Tháp), nothing."""
    from hotline.asterisk.config import render_asterisk_config
    from hotline.credentials import load_or_create
    from hotline.settings import Settings

    for profile_id, announced in (("ho_chi_minh", True), ("dong_thap", False)):
        settings = Settings(home=tmp_path / profile_id)
        p = load_profile(DEFAULT_CONFIG_DIR, profile_id, STATUSES)
        render_asterisk_config(settings, p, load_or_create(settings.secrets_file))
        conf = (settings.asterisk_dir / "etc" / "queues.conf").read_text()
        section = conf[conf.index(f"[{p.menu.fallback_queue}]"):]
        if announced:
            assert "announce-frequency = 60\n" in section and "announce-position = yes" in section
            assert f"queue-thereare = {settings.prompts_dir}/queue_position_intro" in section
            assert f"queue-youarenext = {settings.prompts_dir}/queue_next" in section
            assert "queue-thankyou =\n" in section
        else:
            assert "announce-frequency = 0" in section and "announce-position = no" in section
        # Asterisk finds sounds/vi/digits/<n> in the hotline's prompts, the rest in the distribution's.
        data = settings.asterisk_dir / "data"
        assert (data / "sounds" / "vi").resolve() == settings.prompts_dir.resolve()
        assert f"astdatadir => {data}" in (settings.asterisk_dir / "etc" / "asterisk.conf").read_text()


# -- What the look-up says of each status (issue #31 item 2) ----------------------------------------
def said_status(profile, status):
    ch_session = session(profile)
    return ch_session.status_prompts(status)


def test_each_spoken_status_has_a_true_prompt(profile):
    from hotline.config.statuses import SPOKEN_STATUSES

    texts = profile.prompts.prompts
    for status in SPOKEN_STATUSES:
        assert said_status(profile, status) == [f"status_{status}"], status
    # Closed without a result is not "completed"; closed with one says it was answered.
    for status in ("closed_no_result", "closed_unclarified", "closed"):
        assert "hoàn thành" not in texts[f"status_{status}"]
    assert "kết quả trả lời" in texts["status_closed"] and "không có kết quả" in texts["status_closed_no_result"]
    assert "không được gửi trong thời hạn" in texts["status_closed_unclarified"]
    # Overdue: no promise of a step nobody takes; "reported" names the office.
    assert "đề nghị" not in texts["status_overdue"] and "Văn phòng" not in texts["status_overdue"]
    assert "Văn phòng" in texts["status_overdue_reported"]
    # The survey call names the line as it is said: "một không hai hai" (1022).
    assert "một không hai hai" in texts["survey_intro"] and "mười không" not in texts["survey_intro"]


def test_a_step_with_its_own_prompt_is_said_with_it(profile):
    from hotline.ticketing.store import SpokenStatus

    fake = SpokenStatus("closed_no_result", keys=("stage_fake_report",))
    assert said_status(profile, fake) == ["status_stage_fake_report"]
    assert "không có sự cố" in profile.prompts.prompts["status_stage_fake_report"]
    # A step without a prompt of its own falls back to its status's.
    assert said_status(profile, SpokenStatus("in_progress", keys=("stage_focal_point",))) == ["status_in_progress"]


def test_waiting_for_the_citizen_says_so_and_by_when(profile):
    from datetime import datetime, timezone

    from hotline.ticketing.store import SpokenStatus

    due = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)  # 09:00 on 23/11 in Vietnam
    said = said_status(profile, SpokenStatus("received", keys=("stage_clarifying",), due=due))
    assert said[0] == "status_stage_clarifying" and "bổ sung" in profile.prompts.prompts[said[0]]
    i = said.index("date_month")
    from hotline.ivr.say import number_prompts
    assert said[1:i] == ["status_due_intro", *number_prompts(23)] and said[i + 1:] == number_prompts(11)


def test_a_duplicate_says_its_original_and_the_originals_state(profile):
    from hotline.ticketing.store import SpokenStatus

    dup = SpokenStatus("duplicate", original=("26112029", SpokenStatus("in_progress", keys=("stage_handling",))))
    assert said_status(profile, dup) == ["status_duplicate", *(f"digit_{d}" for d in "26112029"),
                                         "status_in_progress"]


async def test_the_look_up_says_the_duplicates_original(profile):
    from hotline.ticketing.store import SpokenStatus

    dup = SpokenStatus("duplicate", original=("26112037", SpokenStatus("answered")))
    _, ch = await run(profile, [None, "1", "2", None, None, "0"], codes=["26112029"], statuses={"26112029": dup})
    i = ch.played.index("lookup_status_intro")
    assert ch.played[i + 9:i + 19] == ["status_duplicate", *(f"digit_{d}" for d in "26112037"), "status_answered"]
    assert ch.vars["HOTLINE_TICKET_STATUS"] == "duplicate"
