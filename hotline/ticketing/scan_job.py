"""The background job that recognises the text of staff's scanned letters: whatever waits in the
database (`attachments.text_status = 'pending'`) is read at each pass, at once when a scan is
added; under a lease, one node of several does it. Scans a stopped process left half done wait
again at start."""

from __future__ import annotations

from hotline.background import Lease, Periodic
from hotline.ticketing.scans import Scans


class ScanText:
    def __init__(self, scans: Scans, period: float = 60.0, lease: Lease | None = None):
        self.scans = scans
        self._loop = Periodic("scan text", scans.drain, period, lease)

    def wake(self) -> None:
        self._loop.wake()

    async def start(self) -> None:
        await self.scans.recover()
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()
