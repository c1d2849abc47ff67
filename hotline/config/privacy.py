"""How long each class of personal data is kept (profile `retention`). 0 keeps it: the
regulations have the operator keep every report with its recording for the state agencies (Đồng
Tháp Art. 11.1; HCMC Art. 8.1; Quảng Ninh Art. 7.1), so nothing is removed unless the province
sets a period from its archive rules."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class RetentionPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recordings_days: int = Field(0, ge=0, le=36500)  # after the call: audio files removed, row kept
    transcripts_days: int | None = Field(None, ge=0, le=36500)  # None: as long as the recording
    # once a ticket reached a final step: the reporter's name, phone, address and e-mail, and what
    # its texts quote of them
    closed_ticket_personal_days: int = Field(0, ge=0, le=36500)
    closed_ticket_files_days: int = Field(0, ge=0, le=36500)  # once final: its attachments
    # The application's log files (masked: no phone, e-mail or platform id), rotated daily: how
    # many days of them are kept.
    logs_days: int = Field(30, ge=1, le=3650)
    # Mail the mailbox could not keep (raw, with whatever the sender wrote) is deleted this many
    # days after it was quarantined: time for a supervisor to look, not an archive.
    mail_quarantine_days: int = Field(30, ge=1, le=3650)

    def transcript_days(self) -> int:
        return self.recordings_days if self.transcripts_days is None else self.transcripts_days
