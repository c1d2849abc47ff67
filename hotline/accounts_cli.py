"""`hotline user ...`: accounts from the command line, for the first administrator of a
production installation (run without --demo) and for when nobody can log in.

Works whether the hotline runs or not: what the running process holds ends too (its sockets
close within `session_check_seconds` when their sessions are gone; the softphone's SIP password
is withdrawn and Asterisk told to re-read it; the operator leaves the queues)."""

from __future__ import annotations

import getpass
import sys

from hotline.agent_desktop.accounts import ROLES, Accounts, Principal
from hotline.asterisk.process import AsteriskError, ManagedAsterisk
from hotline.asterisk.sip_auth import SipPasswords
from hotline.errors import Refused
from hotline.security.passwords import Hasher, policy_problem, temporary_password
from hotline.settings import Settings


def add_parser(sub) -> None:
    p = sub.add_parser("user", help="manage accounts (the first administrator, resets, disabling)")
    usub = p.add_subparsers(dest="user_command", required=True)
    a = usub.add_parser("add", help="create an account; prints a one-time password unless --password-stdin")
    a.add_argument("username")
    a.add_argument("--role", choices=ROLES, required=True)
    a.add_argument("--name", required=True, help="full name, as colleagues read it")
    a.add_argument("--phone", help="softphone endpoint (operators, supervisors): an id from the profile's queues file")
    a.add_argument("--agency", type=int, help="agency id (agency accounts)")
    a.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    for name, text in (("disable", "disable an account and end its sessions"), ("enable", "enable it again"),
                       ("reset", "new one-time password; sessions end; must change at login"),
                       ("unlock", "lift a lock-out after wrong passwords"),
                       ("reset-two-factor", "remove the second factor (a lost phone); sessions end; enrols again")):
        usub.add_parser(name, help=text).add_argument("username")
    usub.add_parser("list", help="accounts with role, state and last login")


async def run(args, settings: Settings) -> int:
    from hotline.app import load_checked_profile
    from hotline.store.db import migrated, sessionmaker

    profile = load_checked_profile(settings)
    async with migrated(settings.db_url) as engine:
        sessions = sessionmaker(engine)
        hasher = Hasher()
        accounts = Accounts(sessions, hasher)
        phones = [o.id for o in profile.queues.phones()]
        asterisk = ManagedAsterisk.of(settings)
        sip = SipPasswords(sessions, settings.asterisk_dir / "etc", phones)

        async def reload() -> None:
            try:
                await asterisk.cli("module reload res_pjsip.so")
            except AsteriskError:
                pass  # not running: it reads the file when it starts

        sip.reload = reload

        async def end_access(p: Principal) -> None:
            await sip.revoke_user(p.user_id)
            if p.operator_id and p.role == "operator":
                await accounts.record_agent_logout(p.operator_id)
                for q in profile.queues.queues:
                    if p.operator_id in q.members:
                        try:
                            await asterisk.cli(f"queue remove member PJSIP/{p.operator_id} from {q.id}")
                        except AsteriskError:
                            pass

        accounts.revoke_hooks.append(end_access)
        try:
            return await _command(args, accounts, phones)
        except Refused as exc:
            print(f"refused: {exc}", file=sys.stderr)
            return 1
        finally:
            hasher.close()


async def _command(args, accounts: Accounts, phones: list[str]) -> int:
    cmd = args.user_command
    if cmd == "list":
        for u in await accounts.list_users():
            state = "active" if u["active"] else "disabled"
            if u["locked_until"]:
                state += f", locked until {u['locked_until']:%Y-%m-%d %H:%M} UTC"
            if u["must_change_password"]:
                state += ", must change password"
            last = f"{u['last_login_at']:%Y-%m-%d %H:%M} UTC" if u["last_login_at"] else "never"
            print(f"{u['username']:<20} {u['role']:<10} {u['operator_id'] or '-':<8} {state:<40} last login {last}")
        return 0
    if cmd == "add":
        if args.phone and args.phone not in phones:
            print(f"--phone {args.phone}: not a softphone of the profile's queues file ({', '.join(phones)})", file=sys.stderr)
            return 2
        if args.password_stdin:
            password = sys.stdin.readline().rstrip("\n") if not sys.stdin.isatty() else getpass.getpass()
            problem = policy_problem(args.username, password)
            if problem:
                print(f"password refused: {problem}", file=sys.stderr)
                return 2
            must_change = False
        else:
            password, must_change = temporary_password(), True
        await accounts.create_user(args.username, args.name, args.role, password, args.phone, args.agency,
                                   must_change=must_change)
        print(f"created {args.username} ({args.role})")
        if must_change:
            print(f"one-time password: {password}  (to be changed at first login)")
        return 0
    user_id = await accounts.user_id(args.username)
    if user_id is None:
        print(f"no account {args.username}", file=sys.stderr)
        return 1
    if cmd == "disable":
        await accounts.set_active(user_id, False)
        print(f"{args.username} disabled; its sessions and softphone password are withdrawn")
    elif cmd == "enable":
        await accounts.set_active(user_id, True)
        print(f"{args.username} enabled")
    elif cmd == "reset":
        password = await accounts.reset_password(user_id)
        print(f"one-time password for {args.username}: {password}  (to be changed at login)")
    elif cmd == "unlock":
        await accounts.unlock(user_id)
        print(f"{args.username} unlocked")
    elif cmd == "reset-two-factor":
        await accounts.reset_two_factor(user_id)
        print(f"{args.username}: second factor and recovery codes removed; enrols again at the next login "
              "where the role requires it")
    return 0
