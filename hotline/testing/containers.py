"""The container images and the compose stack under test: a Docker engine (started for the tests
when none runs), a local Debian base image made with debootstrap (image registries cannot be
reached from the build machines), the images built from it, and a compose project on its own
ports and folders."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from hotline.testing.ports import free_server_port, rtp_window

REPO = Path(__file__).resolve().parents[2]
DOCKER_DIR = REPO / "docker"
BASE_IMAGE = "local/bookworm:base"
TAG = "test"
HOTLINE_UID = 1022  # the image's `hotline` user (docker/hotline.Dockerfile)


def _run(args: list[str], timeout: float = 600, **kw) -> subprocess.CompletedProcess:
    res = subprocess.run(args, capture_output=True, text=True, timeout=timeout, **kw)
    if res.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:4])}... exited {res.returncode}:\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}")
    return res


class DockerEngine:
    """The machine's Docker engine; started here (no bridge, no iptables rules) when none answers,
    and stopped again by `close` in that case."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.proc: subprocess.Popen | None = None

    @staticmethod
    def answers() -> bool:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode == 0

    def start(self, timeout: float = 60) -> None:
        if self.answers():
            return
        log = open(self.log_dir / "dockerd.log", "ab")
        self.proc = subprocess.Popen(["dockerd", "--bridge=none", "--iptables=false"], stdout=log, stderr=log,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while not self.answers():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"dockerd did not start; see {self.log_dir / 'dockerd.log'}")
            time.sleep(0.5)

    def close(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def debian_mirror() -> str:
    """The Debian mirror this machine's apt already uses (deb822 or one-line sources)."""
    texts = []
    for f in [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]:
        if f.suffix in ("", ".list", ".sources") and f.is_file():
            texts.append(f.read_text(errors="replace"))
    for line in "\n".join(texts).splitlines():
        if line.lstrip().startswith("#"):
            continue
        m = re.search(r"(https?://\S+/debian)/?(\s|$)", line)
        if m:
            return m.group(1)
    return "http://deb.debian.org/debian"


def ensure_base_image(workdir: Path) -> str:
    """`local/bookworm:base`: a debootstrap minbase of Debian 12 imported as an image (made once)."""
    if subprocess.run(["docker", "image", "inspect", BASE_IMAGE], capture_output=True).returncode == 0:
        return BASE_IMAGE
    root = Path(tempfile.mkdtemp(prefix="bookworm-", dir=workdir))
    try:
        _run(["debootstrap", "--variant=minbase", "bookworm", str(root), debian_mirror()], timeout=900)
        tar = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
        _run(["docker", "import", "-", BASE_IMAGE], stdin=tar.stdout)
        tar.wait()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return BASE_IMAGE


def trust_host_authorities() -> None:
    """Builds reach PyPI and npm as this machine does: the local authorities it trusts (a
    TLS-intercepting proxy's) go to docker/ca/, which the build stage trusts (docker/ca/README.md)."""
    for crt in Path("/usr/local/share/ca-certificates").glob("**/*.crt"):
        target = DOCKER_DIR / "ca" / crt.name
        if not target.exists() or target.read_bytes() != crt.read_bytes():
            shutil.copyfile(crt, target)


class Stack:
    """One compose project of docker/compose.yaml with its own ports and bind-mounted folders, so
    that the tests read the node's secrets and files and run beside other hotlines."""

    def __init__(self, name: str, root: Path, port_base: int, postgres_port: int, https_port: int,
                 config_dir: Path, profile: str):
        self.name = name
        self.root = root
        self.port_base = port_base
        self.https_port = https_port
        root.mkdir(parents=True, exist_ok=True)
        root.chmod(0o755)
        self.home = root / "home"
        self.backups = root / "backups"
        self.config = root / "config"
        shutil.copytree(config_dir, self.config, dirs_exist_ok=True)
        for d in (self.home, self.backups):
            self.prepare(d)
        window = rtp_window()  # tests in parallel: the test worker's own RTP ports (host network)
        (root / "hotline.toml").write_text(
            f'profile = "{profile}"\nconfig_dir = "/etc/hotline/config"\nsecure_cookies = true\n'
            'demo = true\n'  # the repository's profiles hold placeholder office contacts and recipients
            '[security]\ntrusted_proxies = ["127.0.0.1"]\n'
            + (f"[ports]\nrtp_start = {window[0]}\nrtp_end = {window[1]}\n" if window else ""))
        # The SIP edge in front of the node (compose profile `edge`): the test's calls go through it.
        self.edge_port = free_server_port()
        edge = root / "edge.toml"
        edge.write_text(f'listen = "127.0.0.1:{self.edge_port}"\ntrunk_sources = ["127.0.0.0/8"]\n'
                        f'[[nodes]]\nname = "a"\nsip = "127.0.0.1:{port_base}"\npriority = 10\n')
        edge.chmod(0o644)
        password = root / "postgres-password"  # a mounted secret, as docker/compose.yaml expects
        password.write_text(os.urandom(12).hex() + "\n")
        password.chmod(0o644)
        self.env = {
            "BASE_IMAGE": BASE_IMAGE, "HOTLINE_TAG": TAG,
            "POSTGRES_PASSWORD_FILE": str(password), "POSTGRES_PORT": str(postgres_port),
            "HOTLINE_PORT_BASE": str(port_base), "HTTPS_PORT": str(https_port),
            "HOTLINE_PUBLIC_URL": f"https://127.0.0.1:{https_port}",
            "HOTLINE_WS_PUBLIC_URL": f"wss://127.0.0.1:{https_port}/sip",
            "HOTLINE_SETTINGS": str(root / "hotline.toml"), "HOTLINE_CONFIG": str(self.config),
            "HOTLINE_HOME": str(self.home), "HOTLINE_RECORDINGS": str(self.home / "recordings"),
            "HOTLINE_ATTACHMENTS": str(self.home / "attachments"), "HOTLINE_BACKUPS": str(self.backups),
            "TLS_DIR": str(root / "tls"), "EDGE_SETTINGS": str(edge),
        }

    @staticmethod
    def prepare(folder: Path) -> None:
        """An empty folder owned by the image's user (what a named volume would be)."""
        folder.mkdir(parents=True, exist_ok=True)
        os.chown(folder, HOTLINE_UID, HOTLINE_UID)
        for sub in ("recordings", "attachments") if folder.name == "home" else ():
            (folder / sub).mkdir(exist_ok=True)
            os.chown(folder / sub, HOTLINE_UID, HOTLINE_UID)

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    def compose(self, *args: str, timeout: float = 900, stdin: str | None = None) -> str:
        env = {**os.environ, **self.env}
        res = subprocess.run(["docker-compose", "-p", self.name, "-f", str(DOCKER_DIR / "compose.yaml"),
                              "--profile", "edge", *args],
                             capture_output=True, text=True, timeout=timeout, env=env, input=stdin)
        if res.returncode != 0:
            raise RuntimeError(f"docker-compose {' '.join(args)} exited {res.returncode}:\n"
                               f"{res.stdout[-3000:]}\n{res.stderr[-3000:]}")
        return res.stdout

    def build(self) -> None:
        trust_host_authorities()
        self.compose("build", timeout=1800)

    def node(self, *args: str, stdin: str | None = None) -> str:
        """A `hotline` command in the running node's container."""
        return self.compose("exec", "-T", "hotline", "hotline-node", *args, stdin=stdin, timeout=300)

    def health(self, service: str) -> str:
        ids = self.compose("ps", "-q", service).split()
        if not ids:
            return "absent"
        res = subprocess.run(["docker", "inspect", "--format", "{{if .State.Health}}{{.State.Health.Status}}"
                              "{{else}}{{.State.Status}}{{end}}", ids[0]], capture_output=True, text=True)
        return res.stdout.strip() or "absent"

    def wait_healthy(self, *services: str, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        for service in services:
            while (state := self.health(service)) != "healthy":
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{service} is {state} after {timeout:.0f} s:\n{self.logs(service)}")
                time.sleep(2)

    def logs(self, service: str = "") -> str:
        try:
            return self.compose("logs", "--no-color", "--tail=60", *([service] if service else []), timeout=60)
        except RuntimeError as exc:
            return str(exc)

    def down(self, volumes: bool = False) -> None:
        self.compose("down", "-t", "20", *(["-v"] if volumes else []), timeout=300)
