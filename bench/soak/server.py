"""The server under soak: its release build, its settings, its process, its throwaway database."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
WORK = ROOT / "target" / "soak-work"
SITE = ROOT / "target" / "site"

# Short lifetimes, so that within minutes every kind of row the load creates also ends and is
# deleted by the pruner (app/src/server/prune.rs): a table that does not plateau then shows as
# growth inside the run instead of after days. Each can be overridden from the environment.
LIFETIMES = {
    # Access tokens: the users refresh every few seconds, far inside this.
    "TOKENGATE_ACCESS_TOKEN_TTL_SECS": "30",
    # A session abandoned at the end of a cycle ends 20 s later, and is deleted 10 s after that.
    "TOKENGATE_REFRESH_IDLE_SECS": "20",
    "TOKENGATE_REFRESH_ABSOLUTE_SECS": "120",
    "TOKENGATE_RETIRED_TOKEN_RETENTION_SECS": "10",
    "TOKENGATE_PRUNE_INTERVAL_SECS": "5",
    # The throttles' window: their rows (refresh counters per session, reset counters per address
    # and client) are deleted once it has passed. Per-address reset limit: 3 per window.
    "TOKENGATE_LOGIN_WINDOW_SECS": "30",
    # Sent mail rows (the queue keeps them 7 days by default).
    "TOKENGATE_MAIL_SENT_RETENTION_SECS": "20",
    # The shortest the server accepts; links are used at once, so only their retention matters.
    "TOKENGATE_PASSWORD_RESET_TTL_SECS": "60",
    "TOKENGATE_EMAIL_VERIFY_TTL_SECS": "60",
}

# Every simulated user sends X-Forwarded-For with an address of its own, believed because the
# TCP peer (127.0.0.1) is declared a proxy: the per-address limits (sign-ups, failed logins,
# reset requests) then apply per simulated client at their product defaults, as they would to
# real clients behind a proxy, instead of all traffic counting against 127.0.0.1.
CLIENTS = {"TOKENGATE_TRUSTED_PROXIES": "127.0.0.1/32"}


def say(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def other_release_work() -> list[str]:
    """Running processes that build in release mode or run the other benchmark (whose binary a
    build of ours would swap for one without the bench tools)."""
    out = subprocess.run(["pgrep", "-af", "cargo|rustc|bench/run.py"], capture_output=True,
                         text=True).stdout
    busy = []
    for line in out.splitlines():
        _, _, cmd = line.partition(" ")
        program = os.path.basename(cmd.split(" ", 1)[0])
        building = program in ("cargo", "rustc", "cargo-leptos") and "release" in cmd
        if building or "bench/run.py" in cmd:
            busy.append(line)
    return busy


def wait_for_quiet(wait_minutes: float) -> None:
    """Waits while another release build or `make bench` runs: the soak must not build at the
    same moment (cargo's lock would serialise it anyway, but two release builds on 2 cores take
    twice as long), nor load the 2 cores under someone else's benchmark (both would measure the
    other)."""
    deadline = time.monotonic() + wait_minutes * 60
    busy = other_release_work()
    while busy:
        if time.monotonic() > deadline:
            sys.exit("another release build or bench run is still going:\n" + "\n".join(busy))
        say(f"waiting for another release build / bench run to finish: {busy[0][:120]}")
        time.sleep(30)
        busy = other_release_work()


def build() -> Path:
    """The release server binary, built by the very command `cargo leptos build --release` (and
    so scripts/serve.sh) runs for it, with the same LEPTOS_OUTPUT_NAME: the same binary, and a
    no-op when fresh. Only the server: the soak calls the API alone, and a release build of the
    site would replace target/site/pkg, which the end-to-end tests of a debug build serve.
    Then a private copy of the binary, so a rebuild by someone else during the soak cannot
    change what is measured. Call `wait_for_quiet` first."""
    say("release build of the server (cargo-leptos's server command; a no-op when fresh)")
    env = {**os.environ, "LEPTOS_OUTPUT_NAME": "tokengate"}
    cmd = (". scripts/env.sh && cargo build --release --package=tokengate --bin=tokengate"
           " --no-default-features")
    if subprocess.run(cmd, shell=True, cwd=ROOT, env=env).returncode != 0:
        sys.exit("the release build failed")
    WORK.mkdir(parents=True, exist_ok=True)
    binary = WORK / "tokengate"
    shutil.copy2(ROOT / "target" / "release" / "tokengate", binary)
    return binary


def prepare_postgres(admin_url: str, database: str) -> str:
    """Drops and recreates the soak's own database; returns its URL."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", database):
        sys.exit(f"SOAK_PG_DATABASE must be a plain identifier, not {database!r}")
    for sql in (f"DROP DATABASE IF EXISTS {database} WITH (FORCE)", f"CREATE DATABASE {database}"):
        done = subprocess.run(["psql", admin_url, "-qc", sql], capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"psql {admin_url}: {sql}: {done.stderr.strip()}")
    return admin_url.rsplit("/", 1)[0] + "/" + database


class Server:
    """The release binary on `port` with the soak's settings; stopped with SIGTERM."""

    def __init__(self, binary: Path, port: int, data_dir: Path, database_url: str | None):
        self.port, self.data_dir = port, data_dir
        self.env = {
            "LEPTOS_SITE_ADDR": f"127.0.0.1:{port}",
            "LEPTOS_SITE_ROOT": str(SITE),
            "LEPTOS_OUTPUT_NAME": "tokengate",
            "LEPTOS_ENV": "PROD",
            "TOKENGATE_DATA_DIR": str(data_dir),
            "TOKENGATE_LOG_FORMAT": "json",
            **LIFETIMES,
            **CLIENTS,
        }
        if database_url:
            self.env["DATABASE_URL"] = database_url
        # Anything set by hand wins (TOKENGATE_*, RUST_LOG), e.g. other lifetimes.
        self.env.update({k: v for k, v in os.environ.items()
                         if k.startswith("TOKENGATE_") or k == "RUST_LOG"})
        self.log_path = data_dir.parent / "server.log"
        self.log = open(self.log_path, "w")
        clean = {k: v for k, v in os.environ.items()
                 if not k.startswith(("TOKENGATE_", "LEPTOS_")) and k != "DATABASE_URL"}
        self.proc = subprocess.Popen([str(binary)], cwd=data_dir.parent, env={**clean, **self.env},
                                     stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_healthy()

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                sys.exit(f"the server exited at start; see {self.log_path}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1):
                    return
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        sys.exit(f"the server did not answer /healthz within 60 s; see {self.log_path}")

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> int | None:
        """SIGTERM, then the exit code (None if it had to be killed)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            code = None
        self.log.close()
        return code

    def log_findings(self) -> dict:
        """Panics and ERROR/WARN lines of the server's log, and the pruner's passes."""
        panics, errors, warnings, pruned = [], [], [], 0
        for line in self.log_path.read_text(errors="replace").splitlines():
            if "panicked" in line:
                panics.append(line)
            if '"level":"ERROR"' in line:
                errors.append(line)
            elif '"level":"WARN"' in line:
                warnings.append(line)
            if '"message":"pruned"' in line:
                pruned += 1
        return {"panics": len(panics), "errors": len(errors), "warnings": len(warnings),
                "prune_passes": pruned, "lines": (panics + errors + warnings)[:10]}
