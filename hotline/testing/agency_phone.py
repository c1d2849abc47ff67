"""An agency's phone played by SIPp (UAS) behind an outbound route: it answers (and talks), is
busy, never answers, or answers and hangs up after a while. Used by tests, and by
`hotline agency-phone` to try transfers on a demo installation."""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hotline.testing.sipp import (PCAP_DIR, RECV_BYE, SippResult, finish_sipp, play_pcap, renumbered_dtmf_pcap,
                                  start_sipp)

MODES = ("answer", "busy", "noanswer")

HEAD = '<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="agency phone">\n'

# SIPp refuses a scenario with variables it never uses: the headers needed for our own BYE are
# captured only when the phone hangs up by itself.
RECV_INVITE = '  <recv request="INVITE" crlf="true"/>\n'
RECV_INVITE_KEEP = """  <recv request="INVITE" crlf="true">
    <action><ereg regexp="sip:[^>;]*" search_in="hdr" header="Contact:" assign_to="contact"/></action>
  </recv>
"""


def _response(code: str, extra: str = "", sdp: bool = False, cseq: str = "[last_CSeq:]") -> str:
    body = ("\n\n      v=0\n      o=agency 1 1 IN IP[local_ip_type] [local_ip]\n      s=-\n"
            "      c=IN IP[media_ip_type] [media_ip]\n      t=0 0\n      m=audio [media_port] RTP/AVP 8 101\n"
            "      a=rtpmap:8 PCMA/8000\n      a=rtpmap:101 telephone-event/8000\n      a=sendrecv") if sdp else ""
    ctype = "      Content-Type: application/sdp\n" if sdp else ""
    return f"""  <send{' retrans="500"' if code.startswith('200') and sdp else ''}>
    <![CDATA[
      SIP/2.0 {code}
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      {cseq}
      Contact: <sip:agency@[local_ip]:[local_port];transport=[transport]>
{extra}{ctype}      Content-Length: [len]{body}
    ]]>
  </send>
"""


RECV_ACK = '  <recv request="ACK" rtd="true" crlf="true"/>\n'
RECV_ACK_KEEP = """  <recv request="ACK" rtd="true" crlf="true">
    <action>
      <ereg regexp=".*" search_in="hdr" header="From:" assign_to="rfrom"/>
      <ereg regexp=".*" search_in="hdr" header="To:" assign_to="rto"/>
    </action>
  </recv>
"""

SEND_BYE = """  <send retrans="500">
    <![CDATA[
      BYE [$contact] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: [$rto]
      To: [$rfrom]
      [last_Call-ID:]
      CSeq: 2 BYE
      Contact: <sip:agency@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <recv response="200" crlf="true"/>
"""

def scenario(mode: str, ring_ms: int = 1000, hangup_after_ms: int | None = None, talk_every_ms: int = 8000,
             pcap: Path = PCAP_DIR / "g711a.pcap", keys: str = "", keys_after_ms: int = 3000,
             work_dir: Path | None = None) -> str:
    """`answer`: rings `ring_ms`, answers, speaks (a 7 s recording every `talk_every_ms`), and
    hangs up after `hangup_after_ms` (or waits for the other side); with `keys`, instead of
    speaking, presses them (RFC 2833) `keys_after_ms` after answering and waits. `busy`: 486.
    `noanswer`: rings until cancelled."""
    hangs_up = mode == "answer" and bool(hangup_after_ms)
    parts = [HEAD, RECV_INVITE_KEEP if hangs_up else RECV_INVITE]
    if mode == "busy":
        parts += [_response("486 Busy Here"), '  <recv request="ACK" crlf="true"/>\n']
    elif mode == "noanswer":
        parts += [_response("180 Ringing"), '  <recv request="CANCEL"/>\n', _response("200 OK"),
                  _response("487 Request Terminated", cseq="CSeq: [last_cseq_number] INVITE"),
                  '  <recv request="ACK" crlf="true"/>\n']
    elif mode == "answer":
        parts += [_response("180 Ringing"), f'  <pause milliseconds="{ring_ms}"/>\n',
                  _response("200 OK", sdp=True), RECV_ACK_KEEP if hangs_up else RECV_ACK]
        if hangs_up:
            elapsed = 0
            while elapsed < hangup_after_ms:
                parts.append(play_pcap(pcap))
                step = min(talk_every_ms, hangup_after_ms - elapsed)
                parts.append(f'  <pause milliseconds="{step}"/>\n')
                elapsed += step
            parts.append(SEND_BYE)
        elif keys:
            parts.append(f'  <pause milliseconds="{keys_after_ms}"/>\n')
            for i, key in enumerate(keys):
                parts += [play_pcap(renumbered_dtmf_pcap(key, i, work_dir)), '  <pause milliseconds="700"/>\n']
            parts.append(RECV_BYE)
        else:
            parts += [play_pcap(pcap), RECV_BYE]
    else:
        raise ValueError(f"mode must be one of {MODES}")
    parts.append("</scenario>\n")
    return "".join(parts)


@dataclass
class AgencyPhone:
    """One SIPp agency phone on `port` (UDP, 127.0.0.1; media on port + 1000) for `calls` calls
    (0: until stopped)."""

    port: int
    mode: str = "answer"
    ring_ms: int = 1000
    hangup_after_ms: int | None = None
    calls: int = 1
    timeout: float = 120
    keys: str = ""  # pressed after answering (a citizen rating a survey call)
    keys_after_ms: int = 3000

    async def start(self) -> "AgencyPhone":
        self._tmp = tempfile.TemporaryDirectory(prefix="agency-")
        tmp = Path(self._tmp.name)
        (tmp / "agency.xml").write_text(scenario(self.mode, self.ring_ms, self.hangup_after_ms, keys=self.keys,
                                                 keys_after_ms=self.keys_after_ms, work_dir=tmp))
        args = ["sipp", "-sf", str(tmp / "agency.xml"), "-i", "127.0.0.1", "-p", str(self.port),
                "-mp", str(self.port + 1000), "-nostdin", "-trace_err",
                "-error_file", str(tmp / "errors.log"), "-max_recv_loops", "1000"]
        if self.calls:
            args += ["-m", str(self.calls), "-timeout", f"{int(self.timeout)}s", "-timeout_error"]
        self.proc = await start_sipp(args, tmp)
        await asyncio.sleep(0.3)  # listening
        return self

    async def result(self, timeout: float | None = None) -> SippResult:
        """Wait for the phone's calls to end."""
        res = await finish_sipp(self.proc, Path(self._tmp.name), timeout or self.timeout + 30)
        self._tmp.cleanup()
        return res

    async def stop(self) -> None:
        if self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()
        self._tmp.cleanup()
