"""A real Chroma server (``chroma run``) on a free loopback port, for server-mode tests."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HOST = "127.0.0.1"
START_SECONDS = 30.0


def chroma_binary() -> str | None:
    """The ``chroma`` CLI installed with chromadb (next to this interpreter, else on PATH)."""
    beside = Path(sys.executable).parent / "chroma"
    return str(beside) if beside.exists() else shutil.which("chroma")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class ChromaServer:
    """Start, stop and restart one ``chroma run`` process on the same data directory and port."""

    def __init__(self, path: Path, port: int | None = None) -> None:
        self.path = path
        self.port = port or free_port()
        self.log = path.parent / f"chroma-{self.port}.log"
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def alive(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=1) as response:  # noqa: S310 -- loopback
                return bool(response.status == 200)
        except OSError:
            return False

    def start(self, timeout: float = START_SECONDS) -> None:
        binary = chroma_binary()
        if binary is None:
            raise RuntimeError("the chroma CLI is not installed")
        self.path.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            self._proc = subprocess.Popen(  # noqa: S603 -- the installed chroma CLI, loopback only
                [binary, "run", "--path", str(self.path), "--host", HOST, "--port", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"chroma run exited with {self._proc.returncode}: {self.tail()}")
            if self.alive():
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"chroma run did not answer within {timeout:.0f} s: {self.tail()}")

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGCONT)  # a paused server could not act on SIGTERM
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): connections are accepted by the kernel, never answered."""
        if self._proc is not None:
            self._proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        if self._proc is not None:
            self._proc.send_signal(signal.SIGCONT)

    def restart(self) -> None:
        self.stop()
        self.start()

    def tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-2000:]
        except OSError:
            return ""
