"""Every Debian package the code, the tests and the images need is installed by the set-up.

What is needed is derived from the sources: the programs the code and the tests run (string
constants in hotline/, tests/ and bench/, and the commands of docker/*.sh), the Kamailio modules
the edge's template loads and the Asterisk modules the node loads. Each is mapped to its Debian
package (the tables below; checked against `dpkg -S` where the files are installed), and the
package must be in the set that scripts/setup-system.sh installs where it is needed:

- `full` (this machine: run, develop, test) needs everything;
- `runtime` (the node image) what hotline/ runs outside hotline/testing and the edge;
- `edge` (the edge image) what hotline/edge and hotline/edge_cli.py run and the modules it loads;
- the proxy and PostgreSQL images install their own packages (their Dockerfiles).

A new program or module without an entry here fails the test until its package is named."""

from __future__ import annotations

import ast
import functools
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from hotline.asterisk.config import MODULES as ASTERISK_MODULES

ROOT = Path(__file__).resolve().parents[2]
SETUP = ROOT / "scripts" / "setup-system.sh"
DOCKER = ROOT / "docker"

# A program the code runs -> the Debian packages that provide it (any one will do: e.g. pg_dump
# comes with postgresql-client, on which postgresql depends). Essential packages (always there on
# Debian) are marked None.
PROGRAMS: dict[str, tuple[str, ...] | None] = {
    "asterisk": ("asterisk",),
    "sox": ("sox",),
    "soxi": ("sox",),
    "espeak-ng": ("espeak-ng",),
    "ffmpeg": ("ffmpeg",),
    "tesseract": ("tesseract-ocr",),  # with tesseract-ocr-vie: scanned letters (hotline/ticketing/scans.py)
    "pdftoppm": ("poppler-utils",),
    "softhsm2-util": ("softhsm2",),  # a PKCS#11 token for the signed letters' tests (hotline/testing/pki.py)
    "pg_dump": ("postgresql-client", "postgresql", "postgresql-15"),
    "pg_restore": ("postgresql-client", "postgresql", "postgresql-15"),
    "psql": ("postgresql-client", "postgresql", "postgresql-15"),
    "pg_ctl": ("postgresql", "postgresql-15"),
    "initdb": ("postgresql", "postgresql-15"),
    "pg_isready": ("postgresql-client", "postgresql", "postgresql-15"),
    "kamailio": ("kamailio",),
    "sipp": ("sip-tester",),
    "nginx": ("nginx-light", "nginx"),  # bookworm's nginx-light depends on nginx, which has the binary
    "openssl": ("openssl",),
    "curl": ("curl",),
    "dovecot": ("dovecot-imapd",),
    "chromium": ("chromium",),
    "docker": ("docker.io",),
    "dockerd": ("docker.io",),
    "docker-compose": ("docker-compose",),
    "debootstrap": ("debootstrap",),
    "tini": ("tini",),
    "age": ("age",),
    "age-keygen": ("age",),
    "gpg": ("gpg",),
    "tar": None,
    "dpkg": None,
}
# The programs of the container tests: installed by the set-up with HOTLINE_CONTAINER_TESTS=1.
CONTAINER_TESTS = {"docker", "dockerd", "docker-compose", "debootstrap"}

# Kamailio modules Debian ships apart from the `kamailio` package (the rest are in it).
KAMAILIO_MODULES = {"websocket.so": "kamailio-websocket-modules", "db_postgres.so": "kamailio-postgres-modules"}
KAMAILIO_MODULE_DIR = Path("/usr/lib/x86_64-linux-gnu/kamailio/modules")
ASTERISK_MODULE_DIR = Path("/usr/lib/asterisk/modules")
SUBPROCESS_CALLS = {"run", "Popen", "check_output", "check_call", "call", "create_subprocess_exec", "which", "execv",
                    "execvp"}


@functools.cache
def package_set(name: str, containers: bool = False) -> frozenset[str]:
    env = {**os.environ, "HOTLINE_PACKAGES": name, "HOTLINE_LIST_PACKAGES": "1",
           "HOTLINE_CONTAINER_TESTS": "1" if containers else "0"}
    out = subprocess.run(["bash", str(SETUP)], env=env, capture_output=True, text=True, check=True).stdout
    return frozenset(out.split())


def _tree(path: Path) -> ast.AST:
    try:
        return ast.parse(path.read_text(encoding="utf-8"))
    except SyntaxError:  # a file being edited: its own tests fail; it names no program here
        return ast.Module(body=[], type_ignores=[])


def _constants(path: Path) -> set[str]:
    words = set()
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            value = node.value.strip()
            words |= {value, value.split(" ")[0], value.split("/")[-1]}
    return words


def _called_literals(path: Path) -> set[str]:
    """Programs named literally as the first word of a subprocess call."""
    found = set()
    for node in ast.walk(_tree(path)):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        if not (isinstance(func, ast.Attribute) and func.attr in SUBPROCESS_CALLS and isinstance(func.value, ast.Name)
                and func.value.id in ("subprocess", "shutil", "os", "asyncio")):
            continue
        first = node.args[0]
        if isinstance(first, (ast.List, ast.Tuple)) and first.elts:
            first = first.elts[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value:
            found.add(first.value.split("/")[-1])
    return found


def _script_programs(path: Path) -> set[str]:
    """Programs a shell script runs (a known program's name at the start of a command)."""
    found = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0] if not line.lstrip().startswith("#!") else ""
        for prog in PROGRAMS:
            if re.search(rf"(^|[\s;|&(\"'\[]){re.escape(prog)}([\s\"']|$)", line):
                found.add(prog)
    return found


def _where(kind: str) -> list[Path]:
    py = [p for root in ("hotline", "tests", "bench") for p in (ROOT / root).rglob("*.py")
          if p != Path(__file__).resolve()]
    edge = [p for p in py if p.is_relative_to(ROOT / "hotline" / "edge") or p.name == "edge_cli.py"]
    if kind == "edge":
        return edge
    if kind == "runtime":
        return [p for p in py if p.is_relative_to(ROOT / "hotline") and p not in edge
                and not p.is_relative_to(ROOT / "hotline" / "testing")]
    return py


def needed_programs(kind: str) -> set[str]:
    words: set[str] = set()
    for path in _where(kind):
        words |= _constants(path)
    if kind == "full":  # the tests run the proxy image's entrypoint with this machine's nginx
        words |= _script_programs(DOCKER / "proxy-entrypoint.sh")
    return {p for p in PROGRAMS if p in words}


def _dockerfile_stage(dockerfile: Path, stage: str | None) -> str:
    text = dockerfile.read_text(encoding="utf-8")
    if stage is None:
        return text
    match = re.search(rf"^FROM \S+ AS {stage}\n(.*?)(?=^FROM |\Z)", text, re.M | re.S)
    assert match, f"{dockerfile.name}: no stage {stage}"
    return match.group(1)


def _apt_packages(text: str) -> set[str]:
    found = set()
    for cmd in re.findall(r"apt-get install ([^\n&>]*)", text):
        found |= {w for w in cmd.split() if not w.startswith("-") and "=" not in w}
    return found


def _missing(programs: set[str], installed: set[str]) -> list[str]:
    return sorted(f"{p} ({' or '.join(PROGRAMS[p])})" for p in programs
                  if PROGRAMS[p] is not None and not set(PROGRAMS[p]) & installed)


def test_every_program_the_code_runs_is_in_the_table():
    called = set()
    for path in _where("full"):
        called |= _called_literals(path)
    called -= {"bash", "sh", "python3"}  # the interpreter itself (sys.executable) and the shell
    unknown = sorted(called - set(PROGRAMS))
    assert not unknown, f"programs run by the code without a Debian package in PROGRAMS: {unknown}"
    assert not _script_programs(DOCKER / "proxy-entrypoint.sh") - set(PROGRAMS)


@pytest.mark.parametrize("kind", ["full", "runtime", "edge"])
def test_the_set_up_installs_every_program_its_set_runs(kind):
    programs = needed_programs(kind)
    if kind == "full":
        programs -= CONTAINER_TESTS
    assert _missing(programs, package_set(kind)) == [], f"HOTLINE_PACKAGES={kind} lacks these"


def test_the_container_tests_get_their_programs():
    programs = needed_programs("full") & CONTAINER_TESTS
    assert programs, "the container tests' programs are no longer found in the sources"
    assert _missing(programs, package_set("full", containers=True)) == []
    assert not package_set("full") & {"docker.io", "docker-compose", "debootstrap"}  # only when asked


def test_the_edge_gets_every_kamailio_module_its_template_loads():
    template = (ROOT / "hotline" / "edge" / "templates" / "kamailio.cfg.j2").read_text(encoding="utf-8")
    modules = set(re.findall(r'^loadmodule "([\w.]+)"', template, re.M))
    assert {"websocket.so", "db_postgres.so", "dispatcher.so"} <= modules
    needed = {KAMAILIO_MODULES.get(m, "kamailio") for m in modules}
    for kind in ("edge", "full"):
        assert needed - package_set(kind) == set(), f"HOTLINE_PACKAGES={kind} lacks Kamailio modules' packages"


def test_the_images_install_through_the_set_up_or_name_their_packages():
    node = _dockerfile_stage(DOCKER / "hotline.Dockerfile", "node")
    edge = _dockerfile_stage(DOCKER / "hotline.Dockerfile", "edge")
    assert "HOTLINE_PACKAGES=runtime bash /tmp/setup-system.sh" in node
    assert "HOTLINE_PACKAGES=edge bash /tmp/setup-system.sh" in edge
    for stage, kind in ((node, "runtime"), (edge, "edge")):
        entry = re.search(r'^ENTRYPOINT \["([\w-]+)"', stage, re.M).group(1)
        assert entry not in PROGRAMS or _missing({entry}, package_set(kind)) == []
    proxy = DOCKER / "proxy.Dockerfile"
    programs = _script_programs(DOCKER / "proxy-entrypoint.sh") | _script_programs(proxy)
    assert {"nginx", "openssl"} <= programs
    assert _missing(programs, _apt_packages(proxy.read_text(encoding="utf-8"))) == []
    postgres = DOCKER / "postgres.Dockerfile"
    programs = _script_programs(DOCKER / "postgres-entrypoint.sh") | _script_programs(postgres)
    assert {"initdb", "pg_ctl", "pg_isready"} <= programs
    assert _missing(programs, _apt_packages(postgres.read_text(encoding="utf-8"))) == []


def _owner(path: Path) -> str | None:
    res = subprocess.run(["dpkg", "-S", str(path)], capture_output=True, text=True)
    return res.stdout.split(":")[0] if res.returncode == 0 else None


@pytest.mark.skipif(not shutil.which("dpkg") or not KAMAILIO_MODULE_DIR.is_dir(),
                    reason="Kamailio is not installed here (scripts/setup.sh installs it)")
def test_the_kamailio_table_agrees_with_dpkg():
    template = (ROOT / "hotline" / "edge" / "templates" / "kamailio.cfg.j2").read_text(encoding="utf-8")
    for module in re.findall(r'^loadmodule "([\w.]+)"', template, re.M):
        assert _owner(KAMAILIO_MODULE_DIR / module) == KAMAILIO_MODULES.get(module, "kamailio"), module


@pytest.mark.skipif(not shutil.which("dpkg") or not ASTERISK_MODULE_DIR.is_dir(),
                    reason="Asterisk is not installed here (scripts/setup.sh installs it)")
def test_every_asterisk_module_comes_from_a_package_of_the_runtime_set():
    runtime = package_set("runtime")
    res = subprocess.run(["dpkg", "-S", *(str(ASTERISK_MODULE_DIR / m) for m in ASTERISK_MODULES)],
                         capture_output=True, text=True)
    owners = {Path(line.split(": ", 1)[1]).name: line.split(":")[0] for line in res.stdout.splitlines()}
    assert {m: owners.get(m) for m in ASTERISK_MODULES if owners.get(m) not in runtime} == {}


@pytest.mark.skipif(not shutil.which("dpkg"), reason="not a Debian system")
def test_the_program_table_agrees_with_dpkg():
    """Where a program is installed, the package that owns it is one the table names."""
    for program, packages in PROGRAMS.items():
        found = shutil.which(program)
        if found is None or packages is None:
            continue
        owner = _owner(Path(os.path.realpath(found))) or _owner(Path(found))
        if owner is None or owner.startswith("postgresql-client") or owner.startswith("postgresql-"):
            continue  # /usr/bin/pg_* are postgresql-common's wrappers; the versioned packages own the rest
        # The package itself, or one it depends on (dovecot-imapd brings dovecot-core's daemon).
        depends = subprocess.run(["dpkg-query", "-W", "-f=${Depends}", packages[0]], capture_output=True,
                                 text=True).stdout
        pulled = {d.split()[0].split(":")[0] for d in re.split(r"[,|]", depends) if d.strip()}
        assert owner in set(packages) | pulled, f"{program}: {found} belongs to {owner}, the table says {packages}"
