"""Citizens' e-mails as the conversations read them: text from plain or HTML bodies, files,
the thread a message answers, and the messages a machine sent (never a ticket)."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from hotline.conversations.mail import code_in, parse, reply_subject, tagged, thread_headers

JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 100


def mail(**headers) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = headers.pop("From", '"Nguyễn Văn An" <An.Nguyen@Example.vn>')
    msg["To"] = "tongdai1022@dongthap.gov.vn"
    msg["Subject"] = headers.pop("Subject", "Đèn đường hỏng")
    msg["Message-ID"] = headers.pop("Message_ID", "<m1@example.vn>")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content("Đèn đường trước nhà số 12 đã hỏng một tuần.")
    return msg


def test_a_citizens_mail_with_a_photo():
    msg = mail()
    msg.add_attachment(JPEG, maintype="image", subtype="jpeg", filename="den-hong.jpg")
    m = parse(bytes(msg))
    assert (m.sender, m.sender_name, m.subject) == ("an.nguyen@example.vn", "Nguyễn Văn An", "Đèn đường hỏng")
    assert m.text == "Đèn đường trước nhà số 12 đã hỏng một tuần."
    assert m.files == [("den-hong.jpg", JPEG)] and m.automatic is None
    assert m.message_id == "<m1@example.vn>" and m.thread_ids() == []


def test_html_only_bodies_become_text():
    msg = EmailMessage()
    msg["From"] = "b@example.vn"
    msg.set_content("<p>Xin ch&agrave;o<br>Cống bị tắc</p><script>alert(1)</script>", subtype="html")
    m = parse(bytes(msg))
    assert m.text == "Xin chào\nCống bị tắc"  # no script
    assert m.message_id.endswith("@no-message-id.invalid>")  # none given: the same one each time
    assert parse(bytes(msg)).message_id == m.message_id


def test_a_reply_names_its_thread_nearest_first():
    m = parse(bytes(mail(Message_ID="<m3@example.vn>", In_Reply_To="<r2@hotline>",
                         References="<m1@example.vn> <r1@hotline> <r2@hotline>")))
    assert m.thread_ids() == ["<r2@hotline>", "<r1@hotline>", "<m1@example.vn>"]


@pytest.mark.parametrize("headers, why", [
    ({"Auto_Submitted": "auto-replied"}, "Auto-Submitted"),
    ({"X_Autoreply": "yes"}, "X-Autoreply"),
    ({"Precedence": "bulk"}, "Precedence"),
    ({"From": "MAILER-DAEMON@mx.example.vn"}, "bounce"),
    ({"List_Id": "<tin-tuc.example.vn>"}, "mailing list"),
])
def test_machines_mail_is_recognised(headers, why):
    assert why in parse(bytes(mail(**headers))).automatic


def test_a_person_who_says_auto_submitted_no_is_a_person():
    assert parse(bytes(mail(Auto_Submitted="no"))).automatic is None


def test_subjects_and_headers_of_replies():
    assert tagged("Đèn đường hỏng", "12345678") == "Đèn đường hỏng [Mã phản ánh 12345678]"
    assert tagged(tagged("X", "12345678"), "12345678") == "X [Mã phản ánh 12345678]"
    assert reply_subject("Đèn đường hỏng", "12345678") == "Re: Đèn đường hỏng [Mã phản ánh 12345678]"
    assert reply_subject("RE: Đèn [Mã phản ánh 12345678]", "12345678") == "RE: Đèn [Mã phản ánh 12345678]"
    assert code_in("Re: Re: Đèn [Mã phản ánh 12345678]") == "12345678" and code_in("Đèn") is None
    h = thread_headers("<o2@h>", "<m2@c>", ["<m1@c>", "<o1@h>"])
    assert h == {"Message-ID": "<o2@h>", "In-Reply-To": "<m2@c>", "References": "<m1@c> <o1@h> <m2@c>"}
