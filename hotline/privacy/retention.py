"""The retention job: each class of personal data is removed when the profile's period for it is
over (`retention`: recordings, transcripts, the reporter data, conversations and files of tickets
that reached a final step, quarantined mail). Nothing is removed where the period is 0. Runs hourly; each pass handles a bounded
batch per class, so a first run over years of data spreads over several passes."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, exists, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from hotline.background import Lease, Periodic
from hotline.config.privacy import RetentionPolicy
from hotline.privacy.compaction import ERASED_TABLES, compact
from hotline.privacy.erasure import ERASED, Eraser, drop_transcript_index
from hotline.store.conversations import MailQuarantine
from hotline.store.recordings import CallAlert, Recording, Transcript
from hotline.store.tickets import Attachment, Ticket

log = logging.getLogger(__name__)
BATCH = 500


class Retention:
    def __init__(self, sessions: async_sessionmaker, policy: RetentionPolicy, final_steps: list[str],
                 eraser: Eraser, period_seconds: float = 3600, lease: Lease | None = None):
        self.sessions = sessions
        self.policy = policy
        self.final_steps = final_steps
        self.eraser = eraser
        self._loop = Periodic("retention", self.run, period_seconds, lease)
        self.start, self.stop = self._loop.start, self._loop.stop

    async def run(self, now: datetime | None = None) -> dict[str, int]:
        now = now or datetime.now(timezone.utc)
        for job in self.eraser.housekeeping:
            await job()
        pol, counts = self.policy, Counter()
        async with self.sessions() as s, s.begin():
            if pol.recordings_days:
                cutoff = now - timedelta(days=pol.recordings_days)
                for r in await s.scalars(select(Recording).where(Recording.status != "expired",
                                                                 Recording.started_at < cutoff).limit(BATCH)):
                    await self.eraser.recording(s, r, now)
                    counts["recordings"] += 1
            if pol.transcript_days():
                old = select(Recording.id).where(Recording.started_at < now - timedelta(days=pol.transcript_days()))
                ids = list(await s.scalars(select(Transcript.recording_id).where(Transcript.recording_id.in_(old))))
                if ids:
                    await s.execute(delete(Transcript).where(Transcript.recording_id.in_(ids)))
                    await drop_transcript_index(s, ids)
                counts["transcripts"] += len(ids)
                # What an alert quotes of a call is a piece of its transcript: it goes with them.
                quoted = await s.execute(update(CallAlert).where(
                    CallAlert.heard_at < now - timedelta(days=pol.transcript_days()), CallAlert.heard != ERASED)
                    .values(heard=ERASED, caller_phone=None))
                if quoted.rowcount:
                    counts["call_alerts"] += quoted.rowcount
            closed = (Ticket.handling_stage.in_(self.final_steps), Ticket.draft.is_(False))
            if pol.closed_ticket_personal_days:
                cutoff = now - timedelta(days=pol.closed_ticket_personal_days)
                for t in await s.scalars(select(Ticket).where(*closed, Ticket.personal_erased_at.is_(None),
                                                              Ticket.stage_entered_at < cutoff).limit(BATCH)):
                    await self.eraser.ticket_personal(s, t, "system", "retention", now)
                    counts["tickets"] += 1
                    if held := await self.eraser.ticket_conversations(s, t.id):
                        counts["conversations"] += held
            gone = await s.execute(delete(MailQuarantine).where(
                MailQuarantine.quarantined_at < now - timedelta(days=pol.mail_quarantine_days)))
            if gone.rowcount:
                counts["mail_quarantine"] += gone.rowcount
            if pol.closed_ticket_files_days:
                cutoff = now - timedelta(days=pol.closed_ticket_files_days)
                ids = list(await s.scalars(select(Ticket.id).where(
                    *closed, Ticket.stage_entered_at < cutoff,
                    exists().where(Attachment.ticket_id == Ticket.id)).limit(BATCH)))
                for ticket_id in ids:
                    counts["files"] += await self.eraser.ticket_files(s, ticket_id, "system", "retention", now)
        if counts:
            log.info("retention: removed %s", dict(counts))
            await compact(self.sessions, ERASED_TABLES)  # what was overwritten does not linger
        return dict(counts)
