"""SMS texts in Vietnamese and their length rules.

Vietnamese with diacritics does not fit the GSM 7-bit alphabet, so messages travel as UCS-2:
70 characters in one message, 67 per part once concatenated. Texts are kept within
`MAX_SEGMENTS` parts; the variable parts (names) are shortened first, never the ticket code or
the deadline.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

GSM7 = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
           "¿abcdefghijklmnopqrstuvwxyzäöñüà")
MAX_SEGMENTS = 3


def segments(text: str) -> int:
    """How many SMS parts a text takes."""
    single, multi = (160, 153) if set(text) <= GSM7 else (70, 67)
    if len(text) <= single:
        return 1
    return -(-len(text) // multi)


def _shorten(name: str, limit: int) -> str:
    return name if len(name) <= limit else name[: max(limit - 1, 1)].rstrip() + "…"


def local_time(instant: datetime, tz: str = "Asia/Ho_Chi_Minh") -> str:
    return instant.astimezone(ZoneInfo(tz)).strftime("%H:%M %d/%m/%Y")


# What a deadline is for, as a slip, an escalation or a reminder names it (a workflow step's `due_means`).
DUE_WORDS = {"take_up": "tiếp nhận xử lý", "verify": "xác minh", "fix": "khắc phục sự cố",
             "answer": "trả lời người dân", "approve": "phê duyệt kết quả"}


def _due(means: str, due: datetime, answer_due: datetime | None, tz: str) -> str:
    """"Đề nghị <what> trước <when>." and, where the step's limit is not the answer's, the
    answer's date when it is known."""
    text = f"{DUE_WORDS[means]} trước {local_time(due, tz)}."
    if means != "answer" and answer_due is not None:
        text += f" Hạn trả lời người dân: {local_time(answer_due, tz)}."
    return text


def transfer_slip_text(code: str, agency: str, topic: str | None, due: datetime, tz: str,
                       means: str = "answer", answer_due: datetime | None = None) -> str:
    """To the agency's focal point when a transfer could not be made live (Đồng Tháp Art. 9.3):
    what is due and when (take up, verify, answer: the step's `due_means`)."""
    for limit in (80, 50, 30, 15):
        about = f" ({topic})" if topic else ""
        text = (f"Tổng đài 1022 chuyển phiếu {code}{about} tới {_shorten(agency, limit)}. "
                f"Đề nghị {_due(means, due, answer_due, tz)}")
        if segments(text) <= MAX_SEGMENTS:
            return text
        topic = None
    return text


def escalation_text(code: str, agency: str, due: datetime, tz: str, means: str = "answer",
                    answer_due: datetime | None = None) -> str:
    """To the agency head when the focal point let the deadline pass (Đồng Tháp Art. 9.4)."""
    for limit in (80, 50, 30, 15):
        text = (f"Tổng đài 1022: phiếu {code} chuyển {_shorten(agency, limit)} đã quá hạn trả lời của "
                f"cán bộ đầu mối. Đề nghị Thủ trưởng chỉ đạo {_due(means, due, answer_due, tz)}")
        if segments(text) <= MAX_SEGMENTS:
            return text
    return text


def _fit(*candidates: str) -> str:
    """The first text within the SMS length rule (the last one otherwise)."""
    for text in candidates:
        if segments(text) <= MAX_SEGMENTS:
            return text
    return candidates[-1]


def receipt_text(code: str, line: str, link: str = "") -> str:
    """To the citizen when a report is received: the code to look it up (HCMC Art. 6) and the
    link of the ticket's public page, which follows its progress without a phone (kept whole:
    the name of the line goes first)."""
    if link:
        return _fit(f"Tổng đài 1022 {line} đã tiếp nhận phản ánh của quý vị, mã số {code}. Theo dõi tại {link}",
                    f"Tổng đài 1022 đã tiếp nhận phản ánh, mã số {code}. Theo dõi tại {link}",
                    f"Đã nhận phản ánh {code}: {link}")
    return _fit(f"Tổng đài 1022 {line} đã tiếp nhận phản ánh của quý vị, mã số {code}. "
                f"Tra cứu kết quả bằng mã số này tại trang web hoặc gọi 1022.",
                f"Tổng đài 1022 đã tiếp nhận phản ánh, mã số {code}.")


def result_text(code: str, url: str) -> str:
    """To the citizen when the result is there, with the look-up link (HCMC Art. 7.4)."""
    return _fit(f"Phản ánh mã số {code} đã có kết quả trả lời. Xem kết quả và đánh giá mức độ hài lòng "
                f"tại {url}",
                f"Phản ánh {code} đã có kết quả: {url}")


def result_whole(code: str, answer: str, url: str) -> str:
    """The result with the agency's approved answer itself, for a citizen who wrote (the thread of
    an e-mail or a chat carries what an SMS cannot)."""
    return (f"Phản ánh mã số {code} đã có kết quả trả lời của cơ quan có thẩm quyền:\n\n{answer.strip()}\n\n"
            f"Xem chi tiết và đánh giá mức độ hài lòng tại {url}")


def refusal_text(code: str, reason: str, url: str) -> str:
    """To the citizen whose report is not accepted: why, and where to go instead, as the operator
    wrote it (Đồng Tháp Art. 8.2; HCMC Art. 3.6; Thanh Hóa Art. 12.1); the whole text at the link."""
    reason = " ".join(reason.split()).rstrip(".")
    return _fit(f"Phản ánh mã số {code} không được tiếp nhận: {reason}. Chi tiết: {url}",
                f"Phản ánh mã số {code} không được tiếp nhận: {reason[:60]}... Chi tiết: {url}",
                f"Phản ánh {code} không được tiếp nhận. Lý do và nơi liên hệ: {url}")


def delay_text(code: str, due: datetime | None, reason: str, url: str, tz: str) -> str:
    """To the citizen when the agency sets a new completion date (Đồng Tháp Art. 9.3, HCMC Art. 7.2b)
    or, past its deadline, says why it is late (Thanh Hóa Art. 12.4): the date, the reason as the
    agency wrote it, and the link for the whole text."""
    reason = " ".join(reason.split()).rstrip(".")
    when = f"sẽ được trả lời trước {local_time(due, tz)}" if due else "chưa được trả lời đúng hạn"
    return _fit(f"Phản ánh mã số {code} {when}. Lý do: {reason}. Chi tiết: {url}",
                f"Phản ánh mã số {code} {when}. Lý do: {reason[:50]}... Chi tiết: {url}",
                f"Phản ánh {code} {when}. Lý do: {url}")


def thanks_text(code: str, agency: str | None, url: str) -> str:
    """To the citizen whose proposal the unit found good and creative (HCMC Art. 7.3, 11.4): the
    unit's thanks, and that it goes to the City People's Committee."""
    who = _shorten(agency, 50) if agency else "Cơ quan xử lý"
    return _fit(f"{who} cảm ơn hiến kế mã số {code} của quý vị, được ghi nhận là hiến kế hay. Chi tiết: {url}",
                f"Trân trọng cảm ơn hiến kế mã số {code} của quý vị. Chi tiết: {url}")


def forwarded_text(code: str, agency: str, url: str) -> str:
    """To the citizen when the report is forwarded to the agency that handles it (Quảng Ninh step 1.2)."""
    return _fit(f"Phản ánh mã số {code} đã được chuyển đến {_shorten(agency, 80)} để xử lý. Theo dõi tại {url}",
                f"Phản ánh {code} đã được chuyển đến {_shorten(agency, 40)} để xử lý.",
                f"Phản ánh {code} đã được chuyển cơ quan xử lý.")


def office_text(code: str, step: str, agency: str | None) -> str:
    """To the provincial office when a ticket goes overdue (Đồng Tháp Art. 9.4)."""
    at = f" tại {_shorten(agency, 80)}" if agency else ""
    return _fit(f"Tổng đài 1022 báo cáo: phiếu {code}{at}: {_shorten(step, 60)}. Xem danh sách tại trang Văn phòng.",
                f"Tổng đài 1022: phiếu {code}: {_shorten(step, 40)}.")


def office_letter_text(office: str, number: str, kind: str, code: str, due: datetime | None, tz: str) -> str:
    """To the agency's head when the provincial office sends a letter about a ticket (Đồng Tháp Art. 9.5)."""
    by = f" Hạn giải trình: {local_time(due, tz)}." if due else ""
    return _fit(f"{_shorten(office, 60)} gửi văn bản {number} ({kind.lower()}) về phiếu {code}.{by} "
                f"Xem tại hộp thư cơ quan, Tổng đài 1022.",
                f"VP UBND gửi văn bản {number} ({kind.lower()}) về phiếu {code}.{by}")


def review_text(code: str, verdict: str, due: datetime | None, tz: str) -> str:
    """To the agency's head when the weekly review finds fault with its answer (Đồng Nai CV 1407)."""
    by = f" Đề nghị khắc phục, báo cáo trước {local_time(due, tz)}." if due else " Đề nghị khắc phục, báo cáo."
    return _fit(f"Rà soát Tổng đài 1022: câu trả lời phiếu {code} — {_shorten(verdict, 40)}.{by} Xem tại hộp thư cơ quan.",
                f"Rà soát 1022: phiếu {code} — {_shorten(verdict, 30)}.{by}")


def office_mail(code: str, step: str, agency: str | None, content: str, due: datetime | None, tz: str) -> str:
    """The e-mail to the provincial office with the matter (no reporter data) and the missed deadline."""
    lines = [f"Tổng đài 1022 báo cáo: phiếu {code} — {step}.",
             f"Cơ quan xử lý: {agency or 'chưa xác định'}."]
    if due:
        lines.append(f"Hạn xử lý đã qua: {local_time(due, tz)}.")
    lines += ["", "Nội dung phản ánh:", content[:2000], "",
              "Văn phòng có thể gửi văn bản nhắc, đôn đốc hoặc yêu cầu giải trình từ trang Văn phòng của hệ thống."]
    return "\n".join(lines)


def clarify_text(code: str, days: str | None, url: str = "") -> str:
    """To the citizen asked to complete an unclear report: within `days` or it is closed (Thanh
    Hóa group 2), or, without a limit, as the agency asks (Đồng Tháp Art. 14.4)."""
    where = f"tại {url}" if url else "qua trang tra cứu"
    if days is None:
        return _fit(f"Phản ánh mã số {code} cần quý vị bổ sung thông tin. Xem nội dung cần bổ sung và trả lời "
                    f"{where} hoặc gọi Tổng đài 1022.",
                    f"Phản ánh {code} cần bổ sung thông tin: {url or 'gọi 1022'}")
    return _fit(f"Phản ánh mã số {code} chưa đủ thông tin để xử lý. Đề nghị quý vị bổ sung trong {days} "
                f"qua Tổng đài 1022 hoặc trang tra cứu; quá hạn phản ánh sẽ được kết thúc.",
                f"Phản ánh {code} cần bổ sung thông tin trong {days}.")


def duplicate_text(code: str, original: str) -> str:
    """To a later reporter of an incident already being handled (HCMC Art. 6.4)."""
    return _fit(f"Phản ánh mã số {code} trùng với vụ việc mã số {original} đang được xử lý. "
                f"Quý vị có thể tra cứu tiến độ bằng mã số {original}.")


def approval_text(code: str, agency: str) -> str:
    """To the agency's leader when a result awaits approval (Quảng Ninh)."""
    return _fit(f"Tổng đài 1022: kết quả xử lý phiếu {code} của {_shorten(agency, 80)} chờ lãnh đạo phê duyệt.",
                f"Tổng đài 1022: phiếu {code} chờ lãnh đạo phê duyệt.")


def status_text(code: str, step: str) -> str:
    return _fit(f"Phản ánh mã số {code}: {_shorten(step, 100)}.")


def reminder_text(code: str, agency: str, due: datetime, tz: str, means: str = "answer",
                  answer_due: datetime | None = None) -> str:
    """To the focal point or head ahead of a deadline still open: what is due and when."""
    return _fit(f"Tổng đài 1022 nhắc: phiếu {code} chuyển {_shorten(agency, 80)} cần "
                f"{_due(means, due, answer_due, tz)}",
                f"Tổng đài 1022 nhắc: phiếu {code} cần {_due(means, due, answer_due, tz)}",
                f"Tổng đài 1022 nhắc: phiếu {code} cần {DUE_WORDS[means]} trước {local_time(due, tz)}.")


def coordination_text(code: str, asking: str, due: datetime, tz: str) -> str:
    """To a coordinating agency's focal point when the handling agency asks for its part (Thanh
    Hóa Art. 12.4: 5 working days from the request)."""
    return _fit(f"Tổng đài 1022: {_shorten(asking, 80)} đề nghị phối hợp xử lý phiếu {code}. "
                f"Đề nghị trả lời trên hệ thống trước {local_time(due, tz)}.",
                f"Tổng đài 1022: đề nghị phối hợp phiếu {code}, trả lời trước {local_time(due, tz)}.")


def coordination_answered_text(code: str, helper: str) -> str:
    """To the handling agency's focal point when a coordinating agency has answered."""
    return _fit(f"Tổng đài 1022: {_shorten(helper, 80)} đã trả lời đề nghị phối hợp phiếu {code}.",
                f"Tổng đài 1022: đã có trả lời phối hợp phiếu {code}.")


def coordination_late_text(code: str, helper: str) -> str:
    """To the coordinating agency's head when its focal point let the 5 days pass."""
    return _fit(f"Tổng đài 1022: {_shorten(helper, 80)} quá hạn trả lời đề nghị phối hợp xử lý phiếu {code}. "
                f"Đề nghị Thủ trưởng chỉ đạo trả lời ngay.",
                f"Tổng đài 1022: quá hạn phối hợp phiếu {code}.")
