"""Letters as signed PDFs over HTTP on a real store: a throwaway CA issues the agency's
certificate (a PKCS#12 file, or a key on a SoftHSM2 token), the agency fetches its result letter
signed, and pyHanko's validation against that CA finds the signature intact, trusted and the
agency's; the signature is on the ticket's history. Other roles and agencies get nothing; an
issuer without a certificate gets a clear 409."""

import io
import json
import shutil
from datetime import datetime, timezone

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from hotline.agencies.directory import AgencyDirectory
from hotline.agencies.inbox import AgencyInbox
from hotline.agent_desktop.accounts import Accounts
from hotline.agent_desktop.agency_api import AgencyApi
from hotline.agent_desktop.office_api import OfficeApi
from hotline.agent_desktop.tickets_api import TicketsApi
from hotline.documents.signing import load_signers
from hotline.office.desk import OfficeDesk
from hotline.office.letters import OfficeLetters
from hotline.public.desk import PublicDesk
from hotline.public.pages import PublicPages
from hotline.settings import Signing
from hotline.store.tickets import TicketEvent
from hotline.testing.pki import SOFTHSM_MODULE, Pki, softhsm_token
from hotline.ticketing.attachments import Attachments
from hotline.ticketing.handling import Actor, Payload
from hotline.web.auth import refusals
from sqlalchemy import select
from tests.store.support import CITIZEN_PHONE, OPERATOR, province, signed_in

RESULT = "Đã sửa chữa đường dây điện trên đường Lê Lợi, phường Mỹ Tho; cấp điện trở lại từ 15 giờ."
AGENCY = "Công ty Điện lực"  # the agency of tests.store.support.province
SUBJECT = "Công ty Điện lực Đồng Tháp"


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


async def verify(data: bytes, ca):
    """pyHanko's validation of the PDF's only signature against the throwaway CA."""
    reader = PdfFileReader(io.BytesIO(data))
    assert len(reader.embedded_signatures) == 1
    trust = asn1_x509.Certificate.load(ca.public_bytes(serialization.Encoding.DER))
    return await async_validate_pdf_signature(reader.embedded_signatures[0], ValidationContext(trust_roots=[trust]))


@pytest.fixture(params=["pkcs12", "pkcs11"])
async def served(request, sessions, tmp_path, monkeypatch):
    if request.param == "pkcs12":
        pki = Pki.new()
        cert = pki.pkcs12_file(tmp_path / "dien-luc.p12", SUBJECT, AGENCY, "mat-khau-chung-thu")
        monkeypatch.setenv("TEST_AGENCY_P12_PASSPHRASE", "mat-khau-chung-thu")
        signing = Signing(agencies={AGENCY: {"pkcs12": tmp_path / "dien-luc.p12",
                                             "passphrase_env": "TEST_AGENCY_P12_PASSPHRASE"}})
    else:
        if not SOFTHSM_MODULE.is_file() or not shutil.which("softhsm2-util"):
            pytest.fail("softhsm2 is not installed (scripts/setup-system.sh installs it)")
        pki, label, cert = softhsm_token("ky-van-ban", "246810", SUBJECT, AGENCY)
        monkeypatch.setenv("TEST_AGENCY_TOKEN_PIN", "246810")
        signing = Signing(agencies={AGENCY: {"pkcs11": {"module": SOFTHSM_MODULE, "token_label": label,
                                                        "key_label": "ky-van-ban", "pin_env": "TEST_AGENCY_TOKEN_PIN"}}})
    p = await province(sessions, tmp_path, "quang_ninh")
    p.handling.documents.signers = load_signers(signing, tmp_path / "hotline.toml")
    server, _, clients = await serve(p, sessions, tmp_path, [
        ("op1", "operator", None), ("dungle", "agency", p.agency_id), ("binh", "agency", p.other_agency_id),
        ("vanphong", "office", None)])
    clients["anyone"] = aiohttp.ClientSession()
    yield p, server, clients, pki, cert
    for c in clients.values():
        await c.close()
    await server.close()


async def fetch(client, server, path, method="GET", **kw):
    async with client.request(method, server.make_url(path), **kw) as r:
        return r.status, await r.read(), r.headers


async def answered(p):
    t = await p.receive(datetime.now(timezone.utc), reporter_name="Nguyễn Thị Hoa")
    await p.handling.act(t.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id))
    await p.handling.act(t.id, "answer", p.staff, Payload(result=RESULT))
    await p.handling.act(t.id, "approve", Actor("lanhdao", frozenset({"agency", "leader"}), p.agency_id), Payload())
    return t


async def test_the_agency_gets_its_result_letter_signed_with_its_certificate(served):
    p, server, c, pki, cert = served
    t = await answered(p)
    path = f"/api/agency/tickets/{t.id}/letter/pdf"

    status, plain, headers = await fetch(c["dungle"], server, path)
    assert status == 200 and headers["Content-Type"] == "application/pdf"
    text = pdf_text(plain)
    for words in ("Kính gửi", "Đã sửa chữa đường dây điện trên đường Lê Lợi",
                  "CÔNG TY ĐIỆN LỰC", "Độc lập - Tự do - Hạnh phúc", t.code):
        assert words in text, words
    assert not PdfFileReader(io.BytesIO(plain)).embedded_signatures  # unsigned unless asked

    status, signed, headers = await fetch(c["dungle"], server, path + "?signed=1")
    assert status == 200 and headers["Content-Type"] == "application/pdf"
    result = await verify(signed, pki.ca)
    assert result.intact and result.valid and result.trusted, result.pretty_print_details()
    assert result.signing_cert.subject.native["common_name"] == SUBJECT
    assert result.signing_cert.serial_number == cert.serial_number
    assert "Đã sửa chữa đường dây điện" in pdf_text(signed)

    async with p.sessions() as s:
        events = list(await s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == t.id,
                                                                TicketEvent.action == "document_signed")))
    assert len(events) == 1
    e = events[0]
    assert e.actor == "dungle" and e.detail["document"] == "result_letter" and e.detail["issuer"] == AGENCY
    assert SUBJECT in e.detail["subject"] and int(e.detail["serial"], 16) == cert.serial_number

    # The hotline's staff get the same letter signed by the agency; the citizen too, from the look-up.
    status, staff_copy, _ = await fetch(c["op1"], server, f"/api/tickets/{t.id}/letter/pdf?signed=1")
    assert status == 200 and (await verify(staff_copy, pki.ca)).trusted
    status, page, _ = await fetch(c["anyone"], server, "/tra-cuu", "POST", data={"code": t.code, "phone": CITIZEN_PHONE})
    assert status == 200 and b'id="letter-signed" formaction="/tra-cuu/thong-bao/pdf" name="signed" value="1"' in page
    status, own, headers = await fetch(c["anyone"], server, "/tra-cuu/thong-bao/pdf", "POST",
                                       data={"code": t.code, "phone": CITIZEN_PHONE, "signed": "1"})
    assert status == 200 and headers["Content-Type"] == "application/pdf"
    assert (await verify(own, pki.ca)).trusted and "Nguyễn Thị Hoa" in pdf_text(own)


async def test_only_the_right_roles_get_the_pdf(served):
    p, server, c, pki, _ = served
    t = await answered(p)
    path = f"/api/agency/tickets/{t.id}/letter/pdf?signed=1"
    assert (await fetch(c["binh"], server, path))[0] == 404  # another agency's ticket
    assert (await fetch(c["vanphong"], server, path))[0] == 403  # the office is not an agency
    assert (await fetch(c["anyone"], server, path))[0] == 401
    assert (await fetch(c["vanphong"], server, f"/api/tickets/{t.id}/letter/pdf"))[0] == 403
    status, _, _ = await fetch(c["anyone"], server, "/tra-cuu/thong-bao/pdf", "POST",
                               data={"code": t.code, "phone": "0900000000", "signed": "1"})
    assert status in (403, 404)  # a wrong phone gets no letter
    async with p.sessions() as s:
        signed = await s.scalar(select(TicketEvent).where(TicketEvent.ticket_id == t.id,
                                                          TicketEvent.action == "document_signed"))
    assert signed is None


async def test_an_issuer_without_a_certificate_gets_a_clear_refusal(served):
    p, server, c, _, _ = served
    t = await p.receive(datetime.now(timezone.utc), reporter_name="Võ Văn Tám")
    await p.handling.act(t.id, "answer_directly", OPERATOR, Payload(result="Đã hướng dẫn thủ tục cấp điện."))
    status, body, headers = await fetch(c["op1"], server, f"/api/tickets/{t.id}/letter/pdf?signed=1")
    assert status == 409 and headers["Content-Type"].startswith("application/json")
    assert json.loads(body)["error"].startswith("Chưa cấu hình chữ ký số cho Tổng đài 1022")
    assert (await fetch(c["op1"], server, f"/api/tickets/{t.id}/letter/pdf?signed=yes"))[0] == 422
    status, plain, _ = await fetch(c["op1"], server, f"/api/tickets/{t.id}/letter/pdf")
    assert status == 200 and "Đã hướng dẫn thủ tục cấp điện." in pdf_text(plain)


async def serve(p, sessions, tmp_path, users):
    """The staff's, agencies', office's and citizens' routes of `p` on a real HTTP server, with clients."""
    accounts = Accounts(sessions)
    app = web.Application(middlewares=[refusals])
    files = Attachments(sessions, tmp_path / "attachments")
    letters = OfficeLetters(sessions, p.handling.profile, p.handling.workflow.agency_steps())
    TicketsApi(accounts, p.store, p.handling, files).register(app.router)
    AgencyApi(accounts, AgencyInbox(sessions, p.handling, files), AgencyDirectory(sessions), letters).register(app.router)
    OfficeApi(accounts, OfficeDesk(p.handling, letters)).register(app.router)
    PublicPages(PublicDesk(sessions, p.handling, tmp_path / "attachments", 1024 * 1024)).register(app.router)
    server = TestServer(app)
    await server.start_server()
    return server, letters, await signed_in(accounts, users)


async def test_the_office_signs_its_letters_and_the_agency_reads_them(sessions, tmp_path, monkeypatch):
    pki = Pki.new()
    pki.pkcs12_file(tmp_path / "van-phong.p12", "Văn phòng UBND tỉnh Đồng Tháp", "UBND tỉnh Đồng Tháp", "vp-mat-khau")
    monkeypatch.setenv("TEST_OFFICE_PASSPHRASE", "vp-mat-khau")
    p = await province(sessions, tmp_path, "dong_thap")
    p.handling.documents.signers = load_signers(
        Signing(office={"pkcs12": tmp_path / "van-phong.p12", "passphrase_env": "TEST_OFFICE_PASSPHRASE"}),
        tmp_path / "hotline.toml")
    server, letters, c = await serve(p, sessions, tmp_path, [
        ("op1", "operator", None), ("dungle", "agency", p.agency_id), ("binh", "agency", p.other_agency_id),
        ("vanphong", "office", None)])
    try:
        t = await p.receive(datetime.now(timezone.utc))
        await p.handling.act(t.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id))
        letter = await letters.issue(t.id, "reminder", "Đề nghị khẩn trương sửa đèn đường.", "vanphong")
        path = f"/api/office/letters/{letter['id']}/pdf"
        status, signed, _ = await fetch(c["vanphong"], server, path + "?signed=1")
        assert status == 200
        result = await verify(signed, pki.ca)
        assert result.trusted and result.signing_cert.subject.native["common_name"] == "Văn phòng UBND tỉnh Đồng Tháp"
        assert letter["number"] in pdf_text(signed) and "Đề nghị khẩn trương sửa đèn đường." in pdf_text(signed)
        # The agency it went to reads it (and may take the office's signed copy); nobody else.
        agency_path = f"/api/agency/office-letters/{letter['id']}/pdf"
        status, copy, _ = await fetch(c["dungle"], server, agency_path + "?signed=1")
        assert status == 200 and (await verify(copy, pki.ca)).trusted
        assert (await fetch(c["binh"], server, agency_path))[0] == 404
        assert (await fetch(c["op1"], server, path))[0] == 403
        async with p.sessions() as s:
            events = list(await s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == t.id,
                                                                    TicketEvent.action == "document_signed")))
        assert [(e.actor, e.detail["document"], e.detail["issuer"]) for e in events] == [
            ("vanphong", "office_letter", "Văn phòng UBND tỉnh"), ("dungle", "office_letter", "Văn phòng UBND tỉnh")]
    finally:
        for client in c.values():
            await client.close()
        await server.close()
        p.handling.documents.signers.close()


async def test_the_transfer_document_as_pdf_and_signed_by_the_hotline(sessions, tmp_path, monkeypatch):
    p = await province(sessions, tmp_path, "thanh_hoa")
    server, _, c = await serve(p, sessions, tmp_path, [("op1", "operator", None), ("dungle", "agency", p.agency_id),
                                                        ("binh", "agency", p.other_agency_id)])
    try:
        t = await p.receive(datetime.now(timezone.utc), reporter_name="Lê Thị Mai")
        await p.handling.act(t.id, "transfer", OPERATOR, Payload(agency_id=p.agency_id))
        path = f"/api/tickets/{t.id}/transfer-document/pdf"
        status, plain, _ = await fetch(c["op1"], server, path)
        assert status == 200
        text = pdf_text(plain)
        assert "PHIẾU CHUYỂN PHẢN ÁNH, KIẾN NGHỊ" in text and "Lê Thị Mai" in text and AGENCY in text
        assert (await fetch(c["op1"], server, path + "?signed=1"))[0] == 409  # no certificate for the hotline
        assert (await fetch(c["binh"], server, f"/api/agency/tickets/{t.id}/transfer-document/pdf"))[0] == 404
        assert (await fetch(c["dungle"], server, path))[0] == 403  # the staff's route

        pki = Pki.new()
        pki.pkcs12_file(tmp_path / "tong-dai.p12", "Tổng đài 1022 Thanh Hóa", "UBND tỉnh Thanh Hóa", "td-mat-khau")
        monkeypatch.setenv("TEST_HOTLINE_PASSPHRASE", "td-mat-khau")
        p.handling.documents.signers = load_signers(
            Signing(hotline={"pkcs12": tmp_path / "tong-dai.p12", "passphrase_env": "TEST_HOTLINE_PASSPHRASE"}),
            tmp_path / "hotline.toml")
        status, signed, _ = await fetch(c["dungle"], server, f"/api/agency/tickets/{t.id}/transfer-document/pdf?signed=1")
        assert status == 200
        result = await verify(signed, pki.ca)
        assert result.trusted and result.signing_cert.subject.native["common_name"] == "Tổng đài 1022 Thanh Hóa"
        assert "PHIẾU CHUYỂN PHẢN ÁNH, KIẾN NGHỊ" in pdf_text(signed)
    finally:
        for client in c.values():
            await client.close()
        await server.close()
        p.handling.documents.signers.close()
