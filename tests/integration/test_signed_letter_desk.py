"""Letter signing in the browser (#31 item 12): a hotline started with an agency's certificate (a
PKCS#12 file from a throwaway CA, its passphrase from the environment) shows the agency, in its
own page, the link to its result letter signed; the PDF that link gives the agency's session
carries the agency's signature, which pyHanko validates against that CA, and the ticket's history
records who had it signed. The citizen's look-up offers the same letter, signed."""

from __future__ import annotations

import io
import os
from datetime import datetime, timezone

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from sqlalchemy import select

from hotline.agencies.directory import AgencyDirectory
from hotline.agencies.schemas import AgencyIn
from hotline.store.tickets import TicketEvent
from hotline.testing.browser import launch, log_in
from hotline.testing.pki import Pki
from tests.integration.conftest import running_line
from tests.integration.desktop_support import Store, base_url

pytestmark = pytest.mark.integration

AGENCY = "Sở Xây dựng (ký số)"
SUBJECT = "Sở Xây dựng tỉnh Quảng Ninh"
RESULT = "Đã cho sửa mặt cầu Bãi Cháy, làn xe máy thông lại từ 16 giờ."
PASSPHRASE_ENV = "TEST_DESK_AGENCY_P12_PASSPHRASE"


@pytest.fixture(scope="module")
async def signing_line(workdir, config_dir):
    pki = Pki.new()
    p12 = workdir / "so-xay-dung-ky-so.p12"
    cert = pki.pkcs12_file(p12, SUBJECT, AGENCY, "mat-khau-chung-thu-so")
    os.environ[PASSPHRASE_ENV] = "mat-khau-chung-thu-so"  # the hotline reads it when it starts
    settings = f'[signing.agencies."{AGENCY}"]\npkcs12 = "{p12}"\npassphrase_env = "{PASSPHRASE_ENV}"\n'
    try:
        async with running_line(workdir, "signing", "quang_ninh", config_dir, ivr=False,
                                extra_settings=settings) as line:
            store = Store(line.instance.home)
            yield line, store, pki, cert
            await store.close()
    finally:
        os.environ.pop(PASSPHRASE_ENV, None)


async def test_the_agency_gets_its_result_letter_signed_from_its_page(playwright_session, signing_line):
    line, store, pki, cert = signing_line
    agency, _ = await AgencyDirectory(store.tickets.sessions).save(AgencyIn(name=AGENCY, level="province"))
    now = datetime.now(timezone.utc)
    t = await store.tickets.create_ticket(
        agency_id=agency.id, reporter_name="Phạm Văn Hùng", caller_phone="0912468024", topic="infrastructure",
        content="Mặt cầu Bãi Cháy bong tróc", status="answered", handling_stage="answered", transferred_at=now,
        answered_at=now, result=RESULT)
    await store.accounts.create_user("hung.sxd", "Lê Văn Hùng", "agency", "mat-khau-dai-1", agency_id=agency.id)

    ctx = await launch(playwright_session)
    try:
        page = await log_in(ctx, base_url(line), "hung.sxd", "mat-khau-dai-1")
        await page.wait_for_selector(f"#inbox tr[data-code='{t.code}']", timeout=15000)
        await page.click(f"#inbox tr[data-code='{t.code}'] button")
        link = page.locator("#d-letter-signed")
        await link.wait_for(state="visible", timeout=10000)
        assert "chữ ký số" in await link.inner_text()
        href = await link.get_attribute("href")
        # What the link gives the agency's own session (the browser's cookies).
        answer = await ctx.request.get(base_url(line) + href)
        assert answer.status == 200 and answer.headers["content-type"] == "application/pdf", await answer.text()
        reader = PdfFileReader(io.BytesIO(await answer.body()))
        assert len(reader.embedded_signatures) == 1
        trust = asn1_x509.Certificate.load(pki.ca.public_bytes(serialization.Encoding.DER))
        result = await async_validate_pdf_signature(reader.embedded_signatures[0],
                                                    ValidationContext(trust_roots=[trust]))
        assert result.intact and result.valid and result.trusted, result.pretty_print_details()
        assert result.signing_cert.subject.native["common_name"] == SUBJECT
        assert result.signing_cert.serial_number == cert.serial_number

        # The citizen's look-up (code and phone) offers the same letter, signed.
        citizen = await ctx.new_page()
        await citizen.goto(base_url(line) + "/tra-cuu")
        await citizen.fill("input[name=code]", t.code)
        await citizen.fill("input[name=phone]", "0912468024")
        await citizen.click("button[type=submit]")
        await citizen.locator("#letter-signed").wait_for(state="visible", timeout=10000)
    finally:
        await ctx.close()
    async with store.tickets.sessions() as s:
        signed = list(await s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == t.id,
                                                                TicketEvent.action == "document_signed")))
    assert [(e.actor, e.detail["document"], e.detail["issuer"]) for e in signed] == [
        ("hung.sxd", "result_letter", AGENCY)]
