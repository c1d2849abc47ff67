"""Place one test call against a running hotline with SIPp:

    python -m hotline.testing.call 1022 --keys 12 --then 26112029# --seconds 40
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from hotline.settings import load_settings
from hotline.testing.sipp import CallScript, run_sipp


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("number", nargs="?", default="1022")
    p.add_argument("--caller", default="0901234567")
    p.add_argument("--keys", default="", help="keys pressed 2 s after the answer, 1.5 s apart")
    p.add_argument("--then", default="", help="keys pressed after a further 6 s (e.g. a ticket code)")
    p.add_argument("--seconds", type=float, default=20, help="how long the caller stays on the line")
    p.add_argument("--target", help="host:port of the trunk (default: this installation's)")
    args = p.parse_args(argv)
    target = args.target or f"127.0.0.1:{load_settings().ports.sip}"
    script = CallScript().pause(2000)
    if args.keys:
        script.keys(args.keys, gap_ms=1500)
    if args.then:
        script.pause(6000).keys(args.then, gap_ms=700)
    script.pause(int(args.seconds * 1000))
    result = asyncio.run(run_sipp(script, target, args.number, args.caller, 47000, 47010,
                                  timeout=args.seconds + 60))
    print("call completed" if result.ok else f"call failed:\n{result.error_log or result.output[-2000:]}")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
