"""The documents' renderer (HTML and PDF from one set of templates) and the signing settings:
Vietnamese text survives into the PDF, nothing is fetched, and a signer's mistakes stop the
start with the file and field named."""

import asyncio
import io
from datetime import datetime, timezone

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from pydantic import ValidationError
from pypdf import PdfReader

from hotline.documents.render import Renderer, TEMPLATES, html_to_pdf
from hotline.documents.signing import Issuer, load_signers
from hotline.errors import ConfigError
from hotline.settings import Settings, Signing
from hotline.testing.pki import Pki
from hotline.untrusted import Limits, Sandbox

DAY = datetime(2026, 12, 7, 9, 30, tzinfo=timezone.utc)
LETTER = dict(issuer="UBND TỈNH QUẢNG NINH", place="Quảng Ninh", copies_to=["Sở Nội vụ"], agency="Sở Xây dựng",
              addressee="Nguyễn Thị Hoa", code="26120701", result="Đã hướng dẫn ông/bà nộp hồ sơ cấp phép <b>xây dựng</b>.",
              day=DAY, approved_at=DAY, printed_at=DAY)


def text_of(pdf: bytes) -> str:
    """The PDF's text, its lines and spaces folded (a heading may wrap)."""
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())


def test_the_three_documents_come_from_one_template_directory():
    assert sorted(p.name for p in TEMPLATES.glob("*.j2")) == ["office_letter.html.j2", "result_letter.html.j2",
                                                            "transfer_document.html.j2"]


def test_html_is_escaped_and_the_pdf_keeps_the_vietnamese_text():
    html = Renderer().html("result_letter.html.j2", **LETTER)
    assert "&lt;b&gt;xây dựng&lt;/b&gt;" in html and "<b>xây dựng</b>" not in html
    pdf = html_to_pdf(html)
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (210, 297)  # A4
    text = text_of(pdf)
    for words in ("Cộng hòa xã hội chủ nghĩa Việt Nam".upper(), "Độc lập - Tự do - Hạnh phúc", "Kính gửi: Quý Nguyễn Thị Hoa",
                  "Đã hướng dẫn ông/bà nộp hồ sơ cấp phép <b>xây dựng</b>.", "Quảng Ninh, ngày 7 tháng 12 năm 2026",
                  "SỞ XÂY DỰNG"):
        assert words in text, words
    assert "In lúc" not in text  # the screen's note is not printed


async def test_the_pdf_fetches_nothing(tmp_path):
    """Neither a file of the machine nor a URL: a stylesheet that would turn the text into a
    bigger page is not read, and the local server it names is never asked."""
    asked = []

    async def record(request):
        asked.append(request.path)
        return web.Response(text="p { font-size: 80pt }", content_type="text/css")

    app = web.Application()
    app.router.add_get("/{any:.*}", record)
    server = TestServer(app)
    await server.start_server()
    sheet = tmp_path / "big.css"
    sheet.write_text("p { font-size: 80pt }")
    try:
        html = (f'<html><head><link rel="stylesheet" href="file://{sheet}">'
                f'<link rel="stylesheet" href="{server.make_url("/big.css")}"></head>'
                f'<body><p>Văn bản</p><img src="{server.make_url("/anh.png")}"></body></html>')
        pdf = await asyncio.to_thread(html_to_pdf, html)
    finally:
        await server.close()
    assert asked == []
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    sizes = []
    page.extract_text(visitor_text=lambda text, cm, tm, fonts, size: sizes.append(size * tm[0]) if text.strip() else None)
    assert "Văn bản" in text_of(pdf) and sizes and max(sizes) < 20  # the default size, no sheet applied


async def test_the_pdf_is_made_in_a_worker_process():
    sandbox = Sandbox(Limits(workers=1))
    try:
        pdf = await Renderer(sandbox).pdf("<p>Phiếu chuyển phản ánh, kiến nghị</p>")
        assert "Phiếu chuyển phản ánh, kiến nghị" in text_of(pdf)
    finally:
        sandbox.close()


def test_a_signer_is_a_file_or_a_token_not_both_or_neither(tmp_path):
    with pytest.raises(ValidationError, match="pkcs12 \\(a file\\) or pkcs11"):
        Settings(home=tmp_path, signing={"office": {}})
    with pytest.raises(ValidationError, match="no such file"):
        Settings(home=tmp_path, signing={"hotline": {"pkcs12": str(tmp_path / "missing.p12")}})
    with pytest.raises(ValidationError, match="slot or token_label"):
        Settings(home=tmp_path, signing={"office": {"pkcs11": {"module": "/bin/sh", "key_label": "k", "pin_env": "P"}}})
    with pytest.raises(ValidationError, match="unknown field|Extra inputs"):
        Settings(home=tmp_path, signing={"hotline": {"pkcs12": "/bin/sh", "passphrase": "in the file"}})


def test_a_signer_that_does_not_open_stops_the_start_naming_file_and_field(tmp_path, monkeypatch):
    Pki.new().pkcs12_file(tmp_path / "office.p12", "Văn phòng UBND tỉnh Đồng Tháp", "UBND tỉnh Đồng Tháp", "dung")
    source = tmp_path / "hotline.toml"
    signing = Signing(office={"pkcs12": tmp_path / "office.p12", "passphrase_env": "TEST_OFFICE_PASSPHRASE"})
    monkeypatch.delenv("TEST_OFFICE_PASSPHRASE", raising=False)
    with pytest.raises(ConfigError, match=f"{source}: field 'signing.office.passphrase_env': .*TEST_OFFICE_PASSPHRASE"):
        load_signers(signing, source)
    monkeypatch.setenv("TEST_OFFICE_PASSPHRASE", "sai")
    with pytest.raises(ConfigError, match=f"{source}: field 'signing.office.pkcs12': .*not a PKCS#12 file"):
        load_signers(signing, source)
    monkeypatch.setenv("TEST_OFFICE_PASSPHRASE", "dung")
    signers = load_signers(signing, source)
    office = signers.of(Issuer("office"))
    assert "Văn phòng UBND tỉnh Đồng Tháp" in office.subject and int(office.serial, 16) > 0
    assert signers.of(Issuer("hotline")) is None and signers.tsa_url is None


def test_a_token_whose_module_cannot_be_loaded_is_named(tmp_path, monkeypatch):
    module = tmp_path / "vendor-pkcs11.so"
    module.write_bytes(b"not a library")
    monkeypatch.setenv("TEST_TOKEN_PIN", "1234")
    signing = Signing(agencies={"Sở Xây dựng": {"pkcs11": {"module": module, "token_label": "VNPT-CA",
                                                          "key_label": "ky", "pin_env": "TEST_TOKEN_PIN"}}})
    with pytest.raises(ConfigError, match="field 'signing.agencies.Sở Xây dựng.pkcs11': cannot use the key 'ky'"):
        load_signers(signing, tmp_path / "hotline.toml")


async def test_with_a_time_stamp_authority_the_signature_is_b_t(tmp_path, monkeypatch):
    """A local RFC 3161 authority (pyHanko's test time-stamper behind HTTP, its certificate from
    the same throwaway CA): the signature carries its time-stamp, which validates."""
    from asn1crypto import tsp, x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    pki = Pki.new()
    stamper = pki.time_stamp_authority()
    asked = []

    async def tsa(request):
        req = tsp.TimeStampReq.load(await request.read())
        asked.append(request.headers["Content-Type"])
        return web.Response(body=stamper.request_tsa_response(req).dump(), content_type="application/timestamp-reply")

    app = web.Application()
    app.router.add_post("/tsa", tsa)
    server = TestServer(app)
    await server.start_server()
    pki.pkcs12_file(tmp_path / "hotline.p12", "Tổng đài 1022 Đồng Tháp", "UBND tỉnh Đồng Tháp", "mat-khau")
    monkeypatch.setenv("TEST_HOTLINE_PASSPHRASE", "mat-khau")
    signers = load_signers(Signing(tsa_url=str(server.make_url("/tsa")),
                                   hotline={"pkcs12": tmp_path / "hotline.p12",
                                            "passphrase_env": "TEST_HOTLINE_PASSPHRASE"}), tmp_path / "hotline.toml")
    try:
        signed, _ = await signers.sign(html_to_pdf("<p>Phiếu chuyển phản ánh, kiến nghị</p>"), Issuer("hotline"),
                                       "Phiếu chuyển phản ánh, kiến nghị")
    finally:
        signers.close()
        await server.close()
    assert asked and set(asked) == {"application/timestamp-query"}  # (pyHanko may ask more than once)
    trust = ValidationContext(trust_roots=[asn1_x509.Certificate.load(pki.ca.public_bytes(serialization.Encoding.DER))])
    status = await async_validate_pdf_signature(PdfFileReader(io.BytesIO(signed)).embedded_signatures[0], trust,
                                                ts_validation_context=trust)
    assert status.intact and status.trusted, status.pretty_print_details()
    assert status.timestamp_validity is not None and status.timestamp_validity.trusted


def test_the_documented_settings_parse(tmp_path, monkeypatch):
    """docs/letters.md's [signing] section, with its files present, is what load_settings reads."""
    from hotline.settings import load_settings

    for name in ("tong-dai-1022.p12", "so-xay-dung.p12", "vnpt-pkcs11.so"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "hotline.toml").write_text(f"""
[signing]
tsa_url = "http://tsa.example.vn/tsa"
[signing.hotline]
pkcs12 = "{tmp_path / 'tong-dai-1022.p12'}"
passphrase_env = "HOTLINE_SIGNING_PASSPHRASE"
[signing.office]
pkcs11.module = "{tmp_path / 'vnpt-pkcs11.so'}"
pkcs11.token_label = "VNPT-CA"
pkcs11.key_label = "Van phong UBND tinh"
pkcs11.pin_env = "HOTLINE_OFFICE_TOKEN_PIN"
[signing.agencies."Sở Xây dựng"]
pkcs12 = "{tmp_path / 'so-xay-dung.p12'}"
passphrase_env = "HOTLINE_SXD_PASSPHRASE"
""", encoding="utf-8")
    monkeypatch.delenv("HOTLINE_SETTINGS_FILE", raising=False)
    signing = load_settings(tmp_path).signing
    assert signing.tsa_url == "http://tsa.example.vn/tsa"
    assert signing.office.pkcs11.token_label == "VNPT-CA" and signing.office.pkcs11.cert_label is None
    assert signing.agencies["Sở Xây dựng"].passphrase_env == "HOTLINE_SXD_PASSPHRASE"
    (tmp_path / "hotline.toml").write_text('[signing.office]\npkcs12 = "/nowhere.p12"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"hotline.toml: field 'signing.office.pkcs12': .*no such file"):
        load_settings(tmp_path)
