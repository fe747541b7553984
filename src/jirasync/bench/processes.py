"""jirasync as separate operating-system processes (`jirasync serve`, `jirasync worker`), for
the suites that measure one process alone (its memory, its ingest rate) or several at once:
the same commands an operator runs, configured by `JIRASYNC_*` variables from `Settings`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from jirasync.config import Settings


def environment(settings: Settings, **extra: str) -> dict[str, str]:
    """The variables that give a child process these settings (and no stray JIRASYNC_*)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIRASYNC_")}
    worker, retry = settings.worker, settings.retry
    env |= {
        "JIRASYNC_DATABASE_URL": settings.database,
        "JIRASYNC_DATA_DIR": str(settings.data_dir),
        "JIRASYNC_LOG_LEVEL": "warning",
        "JIRASYNC_WORKER__CONCURRENCY": str(worker.concurrency),
        "JIRASYNC_WORKER__LEASE_SECONDS": str(worker.lease_seconds),
        "JIRASYNC_WORKER__POLL_INTERVAL_SECONDS": str(worker.poll_interval_seconds),
        "JIRASYNC_RETRY__MAX_ATTEMPTS": str(retry.max_attempts),
        "JIRASYNC_RETRY__BACKOFF_BASE_SECONDS": str(retry.backoff_base_seconds),
        "JIRASYNC_RETRY__BACKOFF_MAX_SECONDS": str(retry.backoff_max_seconds),
        "JIRASYNC_RECONCILER__ENABLED": str(settings.reconciler.enabled).lower(),
    }
    if settings.secret_key is not None:
        env["JIRASYNC_SECRET_KEY"] = settings.secret_key.get_secret_value()
    if settings.public_url:
        env["JIRASYNC_PUBLIC_URL"] = settings.public_url
    return env | extra


@dataclass
class Memory:
    """Resident set size of a process, in MiB: now, and the peak so far (the kernel's VmHWM)."""

    rss_mib: float
    peak_mib: float


@dataclass
class JirasyncProcess:
    argv: list[str]
    process: subprocess.Popen[bytes]
    url: str | None = None
    log: Path | None = None
    samples: list[Memory] = field(default_factory=list)

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def memory(self) -> Memory:
        """Read /proc/PID/status (Linux); both 0 elsewhere or once the process is gone."""
        values: dict[str, float] = {}
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                name, _, rest = line.partition(":")
                if name in ("VmRSS", "VmHWM"):
                    values[name] = int(rest.split()[0]) / 1024  # kB
        except OSError:
            pass
        sample = Memory(round(values.get("VmRSS", 0.0), 1), round(values.get("VmHWM", 0.0), 1))
        self.samples.append(sample)
        return sample

    def cpu_seconds(self) -> float:
        """User + system CPU time so far (Linux; 0 elsewhere)."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM (a graceful stop), then SIGKILL if it does not end in time."""
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        return int(self.process.returncode)

    def wait_idle(self, timeout: float = 60) -> None:
        """Until start-up is over: the process uses almost no CPU for half a second."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            before = self.cpu_seconds()
            time.sleep(0.5)
            if self.cpu_seconds() - before < 0.1:
                return
        raise RuntimeError(f"{' '.join(self.argv[2:])} still busy after {timeout} s")

    def tail(self, lines: int = 20) -> str:
        if self.log is None or not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def wait_ready(self, timeout: float = 60) -> None:
        """Until /healthz answers (serve), or the process is alive after start-up (worker)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(
                    f"{' '.join(self.argv[2:])} exited with {self.process.poll()}: {self.tail()}"
                )
            if self.url is None:
                time.sleep(0.5)
                return
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{' '.join(self.argv[2:])} not ready after {timeout} s")


def _spawn(args: list[str], env: dict[str, str], url: str | None) -> JirasyncProcess:
    argv = [sys.executable, "-m", "jirasync", *args]
    # Its warnings go to a file beside the data, not into the benchmark's tables.
    log = Path(env["JIRASYNC_DATA_DIR"]) / f"{args[0]}-{time.monotonic_ns()}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        # argv: this interpreter and our own command line.
        process = subprocess.Popen(  # noqa: S603
            argv, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    return JirasyncProcess(argv, process, url, log)


def serve(settings: Settings, port: int, *, worker: bool = True) -> JirasyncProcess:
    """`jirasync serve` on 127.0.0.1:port, ready to take webhooks (retried while the port is
    still held by the server it replaces)."""
    url = f"http://127.0.0.1:{port}"
    args = ["serve", "--host", "127.0.0.1", "--port", str(port)]
    args += [] if worker else ["--no-worker"]
    env = environment(settings, JIRASYNC_PUBLIC_URL=settings.public_url or url)
    for _ in range(20):
        started = _spawn(args, env, url)
        try:
            started.wait_ready()
            return started
        except RuntimeError:
            if started.alive():
                started.stop()
                raise
            time.sleep(0.25)
    raise RuntimeError(f"jirasync serve could not listen on port {port}")


def worker(settings: Settings) -> JirasyncProcess:
    """`jirasync worker` (queue worker alone, no web server)."""
    started = _spawn(["worker"], environment(settings), None)
    started.wait_ready()
    return started
