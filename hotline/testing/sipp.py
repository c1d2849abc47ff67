"""SIPp callers for tests, benchmarks and smoke tests of a live line.

`CallScript` describes what one caller does after the call is answered (DTMF keys sent as RFC 2833
events from SIPp's pcap files, pauses, speech) and how the call ends; `scenario_xml` writes it as
a SIPp scenario, and `run_sipp` plays it against the trunk.
"""

from __future__ import annotations

import asyncio
import os
import struct
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

PCAP_DIR = Path("/usr/share/sip-tester")
PCAP_NAMES = {"*": "star", "#": "pound"}


def dtmf_pcap(key: str) -> Path:
    return PCAP_DIR / f"dtmf_2833_{PCAP_NAMES.get(key, key)}.pcap"


def renumbered_dtmf_pcap(key: str, press: int, out_dir: Path) -> Path:
    """SIPp's DTMF pcaps carry fixed RTP sequence numbers and timestamps, so a repeated key (or a
    key whose file was recorded earlier) looks like a duplicate or late packet to Asterisk and is
    dropped. Rewrite each press of a call with increasing sequence numbers and timestamps."""
    target = out_dir / f"dtmf-{press:03d}-{PCAP_NAMES.get(key, key)}.pcap"
    data = bytearray(dtmf_pcap(key).read_bytes())
    (linktype,) = struct.unpack_from("<I", data, 20)
    link_header = {1: 14, 113: 16}[linktype]  # Ethernet or Linux cooked capture
    offset, first_seq = 24, None
    while offset < len(data):
        (incl,) = struct.unpack_from("<I", data, offset + 8)
        pkt = offset + 16
        ip_header = (data[pkt + link_header] & 0x0F) * 4
        udp = pkt + link_header + ip_header
        rtp = udp + 8
        (seq,) = struct.unpack_from(">H", data, rtp + 2)
        first_seq = seq if first_seq is None else first_seq
        struct.pack_into(">H", data, rtp + 2, (1000 + press * 50 + seq - first_seq) & 0xFFFF)
        struct.pack_into(">I", data, rtp + 4, 800000 + press * 16000)
        struct.pack_into(">H", data, udp + 6, 0)  # UDP checksum: none
        offset = pkt + incl
    target.write_bytes(bytes(data))
    return target


@dataclass
class CallScript:
    """Steps after the answer: ("pause", ms) | ("keys", "12#", gap_ms) | ("audio", pcap_path) |
    ("speech", alaw_wav) | ("silence",)."""

    steps: list[tuple] = field(default_factory=list)
    # How it ends: "caller" (the caller hangs up), "server" (expects the hotline's BYE),
    # "rejected:<code>" (expects an error response instead of an answer).
    ending: str = "caller"

    def pause(self, ms: int) -> "CallScript":
        self.steps.append(("pause", ms))
        return self

    def keys(self, keys: str, gap_ms: int = 700) -> "CallScript":
        self.steps.append(("keys", keys, gap_ms))
        return self

    def audio(self, pcap: Path) -> "CallScript":
        self.steps.append(("audio", pcap))
        return self

    def speech(self, alaw_wav: Path, until_hung_up: bool = False) -> "CallScript":
        """Stream an 8 kHz A-law WAV once (speech, see `hotline.testing.speech`); the script should
        follow it with a pause of its length, since a later `silence()` replaces the stream. `until_hung_up`: say it
        over and over until the call ends (a caller who talks until the operator hangs up, with
        `ending="server"`), so a test waits for what it checks instead of racing the speech."""
        self.steps.append(("speech", alaw_wav, -1 if until_hung_up else 1))
        return self

    def silence(self) -> "CallScript":
        """From here on, send silent audio continuously, as a real phone does (SIPp otherwise
        sends no RTP between its recordings, and a call recording only advances with audio)."""
        self.steps.append(("silence",))
        return self


def silent_alaw_wav(path: Path, seconds: int = 10) -> Path:
    """A WAV file of A-law digital silence (0xD5), 8 kHz mono, for SIPp's rtp_stream."""
    data = b"\xd5" * (8000 * seconds)
    fmt = struct.pack("<HHIIHHH", 6, 1, 8000, 8000, 1, 8, 0)  # WAVE_FORMAT_ALAW
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path


INVITE = """  <send retrans="500">
    <![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:[caller]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: sip:[caller]@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=caller 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 8 0 101
      a=rtpmap:8 PCMA/8000
      a=rtpmap:0 PCMU/8000
      a=rtpmap:101 telephone-event/8000
      a=fmtp:101 0-15
      a=sendrecv
    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
"""

ACK = """  <send>
    <![CDATA[
      ACK {uri} SIP/2.0
      {via}{routes}
      From: <sip:[caller]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      [last_To:]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Contact: sip:[caller]@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
"""

BYE = """  <send retrans="500">
    <![CDATA[
      BYE [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      [routes]
      From: <sip:[caller]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      [last_To:]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Contact: sip:[caller]@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <recv response="200" crlf="true"/>
"""

RECV_BYE = """  <recv request="BYE"/>
  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0
    ]]>
  </send>
"""


def play_pcap(pcap: Path) -> str:
    """A scenario step that streams a pcap's RTP (speech or a DTMF event) in the background."""
    return f'  <nop><action><exec play_pcap_audio="{pcap}"/></action></nop>\n'


def scenario_xml(script: CallScript, work_dir: Path) -> str:
    parts = ['<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="hotline caller">\n', INVITE]
    if script.ending.startswith("rejected:"):
        code = script.ending.split(":", 1)[1]
        parts.append(f'  <recv response="{code}"/>\n')
        parts.append(ACK.format(uri="sip:[service]@[remote_ip]:[remote_port]", via="[last_Via:]", routes=""))
        parts.append("</scenario>\n")
        return "".join(parts)
    presses = 0
    # Like a real trunk, the caller keeps the answer's route set and contact (rrs): requests within
    # the call go to the node that answered, through the SIP edge when there is one.
    parts.append('  <recv response="200" rtd="true" rrs="true"/>\n')
    parts.append(ACK.format(uri="[next_url]", via="Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]",
                            routes="\n      [routes]"))
    for step in script.steps:
        if step[0] == "pause":
            parts.append(f'  <pause milliseconds="{int(step[1])}"/>\n')
        elif step[0] == "keys":
            for key in step[1]:
                parts.append(play_pcap(renumbered_dtmf_pcap(key, presses, work_dir)))
                presses += 1
                parts.append(f'  <pause milliseconds="{int(step[2])}"/>\n')
        elif step[0] == "audio":
            parts.append(play_pcap(Path(step[1])))
        elif step[0] == "speech":
            parts.append(f'  <nop><action><exec rtp_stream="{step[1]},{step[2]},8"/></action></nop>\n')
        elif step[0] == "silence":
            wav = silent_alaw_wav(work_dir / "silence.wav")
            parts.append(f'  <nop><action><exec rtp_stream="{wav},-1,8"/></action></nop>\n')
    parts.append(BYE if script.ending == "caller" else RECV_BYE)
    parts.append("</scenario>\n")
    return "".join(parts)


@dataclass
class SippResult:
    returncode: int
    output: str
    error_log: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


async def start_sipp(args: list[str], work_dir: Path) -> asyncio.subprocess.Process:
    """Start SIPp (`args` from "sipp" on) in `work_dir`, where its error file is expected."""
    return await asyncio.create_subprocess_exec(*args, cwd=work_dir, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.STDOUT,
                                                env={**os.environ, "TERM": "dumb"})


async def finish_sipp(proc: asyncio.subprocess.Process, work_dir: Path, timeout: float) -> SippResult:
    """Wait for SIPp to end (killed after `timeout`), with its output and error file."""
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), timeout)
    except asyncio.TimeoutError:
        proc.kill()
        out, _ = await proc.communicate()
    except asyncio.CancelledError:  # the test gave up on the call: no caller left talking to the line
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        raise
    err_file = work_dir / "errors.log"
    errors = err_file.read_text(errors="replace") if err_file.exists() else ""
    return SippResult(proc.returncode if proc.returncode is not None else -1, out.decode(errors="replace"), errors)


async def run_sipp(script: CallScript, target: str, number: str, caller: str, local_port: int,
                   media_port: int, timeout: float = 180, extra: list[str] | None = None) -> SippResult:
    """Place one call (or, with `extra` options such as -m/-r/-l, many) and wait for SIPp to end."""
    with tempfile.TemporaryDirectory(prefix="sipp-") as tmp:
        scen = Path(tmp) / "caller.xml"
        scen.write_text(scenario_xml(script, Path(tmp)))
        args = ["sipp", target, "-sf", str(scen), "-s", number, "-key", "caller", caller,
                "-i", "127.0.0.1", "-p", str(local_port), "-mp", str(media_port),
                "-nostdin", "-trace_err", "-error_file", str(Path(tmp) / "errors.log"),
                "-timeout", f"{int(timeout)}s", "-timeout_error", "-max_recv_loops", "1000"]
        args += extra or ["-m", "1", "-l", "1"]
        return await finish_sipp(await start_sipp(args, Path(tmp)), Path(tmp), timeout + 30)
