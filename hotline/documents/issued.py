"""A document as a PDF for whoever may read it, and signed by its issuer on request: each signed
copy given out is recorded on the ticket's history (who, which document, the certificate's
subject and serial number)."""

from __future__ import annotations

from typing import Awaitable, Callable

from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.documents.render import Renderer, renderer
from hotline.documents.signing import Issuer, Signers
from hotline.store.tickets import add_event

TITLES = {"transfer_document": "Phiếu chuyển phản ánh, kiến nghị",
          "result_letter": "Thông báo kết quả xử lý phản ánh",
          "office_letter": "Văn bản của Văn phòng UBND tỉnh"}


class Documents:
    def __init__(self, sessions: async_sessionmaker, signers: Signers | None = None,
                 render: Renderer | None = None):
        self.sessions = sessions
        self.signers = signers or Signers()
        self.render = render or renderer()

    async def pdf(self, html: str) -> bytes:
        return await self.render.pdf(html)

    async def copy(self, html: str, signed: bool, document: str, issuer: Issuer | Callable[[], Awaitable[Issuer]],
                   ticket_id: int, actor: str) -> bytes:
        """The page's PDF, or where `signed` its issuer's signed copy (`issuer` may be looked up
        only then: a coroutine function)."""
        if not signed:
            return await self.pdf(html)
        return await self.signed(html, document, issuer if isinstance(issuer, Issuer) else await issuer(),
                                 ticket_id, actor)

    async def signed(self, html: str, document: str, issuer: Issuer, ticket_id: int, actor: str) -> bytes:
        """The page's PDF signed by `issuer` (Refused 409 when it has no signer), recorded on the
        ticket."""
        self.signers.required(issuer)  # before the PDF is made
        signed, signer = await self.signers.sign(await self.pdf(html), issuer, TITLES[document])
        async with self.sessions() as s, s.begin():
            add_event(s, ticket_id, actor, "document_signed", document=document, title=TITLES[document],
                      issuer=str(issuer), subject=signer.subject, serial=signer.serial)
        return signed
