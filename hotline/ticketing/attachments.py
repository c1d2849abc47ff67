"""Files kept with a ticket: citizens' photos, video and audio (HCMC Art. 5), and the documents
and site photos an agency gives with its answer. A file's kind is recognised by its first bytes,
never by the name or the type a browser claims; files are stored once by content hash below the
attachments folder, and each one given is recorded in the ticket's history."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.errors import Refused
from hotline.store.tickets import Attachment, add_event

MEDIA = [(b"\xff\xd8\xff", "image/jpeg", ".jpg"), (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
         (b"GIF8", "image/gif", ".gif"), (b"ID3", "audio/mpeg", ".mp3"), (b"\xff\xfb", "audio/mpeg", ".mp3"),
         (b"OggS", "audio/ogg", ".ogg"), (b"\x1aE\xdf\xa3", "video/webm", ".webm")]
DOCUMENTS = [(b"%PDF-", "application/pdf", ".pdf")]
MAX_FILES = 5


def sniff(head: bytes, documents: bool = False) -> tuple[str, str] | None:
    """(content type, extension) of a photo, video or audio file (and of a PDF if `documents`)."""
    for magic, ctype, ext in MEDIA + (DOCUMENTS if documents else []):
        if head.startswith(magic):
            return ctype, ext
    if head[4:8] == b"ftyp":
        return "video/mp4", ".mp4"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav", ".wav"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", ".webp"
    return None


CHUNK = 1024 * 1024


class Upload:
    """A file given with a form: bytes, or (from HTTP) the temporary file the body was spooled to,
    read in chunks so a large upload never sits in memory whole."""

    def __init__(self, filename: str, source: bytes | BinaryIO):
        self.filename = filename
        self._file = io.BytesIO(source) if isinstance(source, bytes) else source

    @property
    def size(self) -> int:
        return self._file.seek(0, io.SEEK_END)

    def head(self, n: int = 16) -> bytes:
        self._file.seek(0)
        return self._file.read(n)

    def store(self, folder: Path, ext: str) -> str:
        """Copy into `folder` as `<sha256><ext>` (unless the same content is already there), in
        chunks through a `.part` file; returns the SHA-256. Blocking: run it in a thread."""
        digest = hashlib.sha256()
        tmp = folder / f"upload-{os.getpid()}-{id(self)}.part"
        self._file.seek(0)
        with open(tmp, "wb") as out:
            while chunk := self._file.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
        final = folder / f"{digest.hexdigest()}{ext}"
        if final.exists():
            tmp.unlink()
        else:
            tmp.replace(final)
        return digest.hexdigest()


@dataclass
class Checked:
    upload: Upload
    content_type: str
    ext: str


def describe(a: Attachment) -> dict:
    d = {"id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size,
         "public": a.public, "uploaded_by": a.uploaded_by}
    if a.scan:  # a letter scanned by staff (hotline/ticketing/scans.py): the state of its text
        d.update(scan=True, label="Bản quét văn bản", text_status=a.text_status, text_error=a.text_error)
    return d


class Attachments:
    def __init__(self, sessions: async_sessionmaker, folder: Path, max_bytes: int = 20 * 1024 * 1024):
        self.sessions = sessions
        self.dir = folder
        self.max_bytes = max_bytes

    def check(self, uploads: list[Upload], documents: bool = False) -> list[Checked]:
        """Refuses, naming the file, anything too large, too many, or of a kind not accepted."""
        if len(uploads) > MAX_FILES:
            raise Refused(422, f"Tối đa {MAX_FILES} tệp đính kèm")
        checked = []
        for u in uploads:
            name = u.filename[:60]
            if u.size > self.max_bytes:
                raise Refused(413, f"Tệp {name} vượt quá {self.max_bytes // (1024 * 1024)} MB")
            kind = sniff(u.head(16), documents)
            if kind is None:
                accepted = "ảnh, video, âm thanh hoặc PDF" if documents else "ảnh, video hoặc âm thanh"
                raise Refused(415, f"Tệp {name} không phải {accepted} được chấp nhận")
            checked.append(Checked(u, *kind))
        return checked

    async def save(self, ticket_id: int, files: list[Checked], who: str, now: datetime,
                   public: bool = False, scan: bool = False) -> list[Attachment]:
        rows = []
        for c in files:
            folder = self.dir / now.strftime("%Y/%m")
            folder.mkdir(parents=True, exist_ok=True)
            sha = await asyncio.to_thread(c.upload.store, folder, c.ext)
            rel = Path(now.strftime("%Y/%m")) / f"{sha}{c.ext}"
            name = re.sub(r"[^\w.\- ]", "_", c.upload.filename)[:200] or "tep"
            rows.append(Attachment(ticket_id=ticket_id, filename=name, content_type=c.content_type,
                                   size=c.upload.size, sha256=sha, path=str(rel), uploaded_by=who,
                                   public=public, uploaded_at=now, scan=scan,
                                   text_status="pending" if scan else None))
        if rows:
            async with self.sessions() as s, s.begin():
                s.add_all(rows)
                add_event(s, ticket_id, who, "attach", at=now, files=[r.filename for r in rows], public=public,
                          **({"scan": True} if scan else {}))
        return rows

    async def of_ticket(self, ticket_id: int, public_only: bool = False) -> list[Attachment]:
        q = select(Attachment).where(Attachment.ticket_id == ticket_id)
        if public_only:
            q = q.where(Attachment.public.is_(True))
        async with self.sessions() as s:
            return list(await s.scalars(q.order_by(Attachment.id)))

    async def get(self, ticket_id: int, attachment_id: int) -> tuple[Attachment, Path]:
        async with self.sessions() as s:
            a = await s.get(Attachment, attachment_id)
        if a is None or a.ticket_id != ticket_id or not (self.dir / a.path).is_file():
            raise Refused(404, "Không có tệp này")
        return a, self.dir / a.path
