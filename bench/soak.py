#!/usr/bin/env python3
"""Tokengate soak: a fixed mixed load for minutes on end, on SQLite and then on PostgreSQL.

    make soak                                   # or: python3 bench/soak.py
    SOAK_MINUTES=2 SOAK_BACKENDS=sqlite make soak

Builds the release server binary as cargo-leptos does (scripts/serve.sh), starts it on a fresh database (PostgreSQL:
a throwaway database, dropped and recreated), signs up SOAK_USERS accounts through the API with
addresses verified from the mailed links, then runs every account as a simulated user on its own
keep-alive connection: login, GET /api/me with the bearer token, the sessions list, refreshes
with the cookie, and every few cycles a password reset taken from the mail in the outbox folder.
Short token and session lifetimes (bench/soak/server.py) make the pruner delete during the run.
Every minute it prints throughput and p50/p99 per call, the server's RSS and CPU, the database's
size and the row counts of the growing tables; at the end it writes
bench/results/soak-<backend>.md and .json. It exits non-zero when, on any backend:
  - any answer is a 5xx, any connection fails, or any call gets another status or an answer
    without what it must carry (a token, a cookie, the user, the current session);
  - RSS grows more than 10 % from the end of warm-up to the end;
  - a table the pruner keeps bounded still grows from the middle third to the last third;
  - the server logs a panic or an ERROR line, or does not exit cleanly on SIGTERM.
Settings: SOAK_MINUTES (10), SOAK_BACKENDS (sqlite,postgres), SOAK_USERS (48), SOAK_PACE_MS
(100: each user's call interval), SOAK_RESET_SECS (20: at least this long between one user's
resets), SOAK_WARMUP_MINUTES (2), SOAK_PG_ADMIN_URL, SOAK_PG_DATABASE (tokengate_soak),
SOAK_PORT (3320), SOAK_SKIP_BUILD=1 (reuse the binary the last soak copied, for repeated short
runs); any TOKENGATE_* variable set overrides the soak's server setting.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from soak.load import CYCLE, Recorder, SimulatedUser  # noqa: E402
from soak.mail import Outbox  # noqa: E402
from soak.probes import (PostgresProbe, SqliteProbe, machine_cpu_secs, own_cpu_secs,  # noqa: E402
                         process_cpu_secs, rss_kb, threads)
from soak.server import (ROOT, WORK, Server, build, prepare_postgres, say,  # noqa: E402
                         wait_for_quiet)
from soak.verdicts import (console_header, console_row, minute_row, verdicts,  # noqa: E402
                           write_reports)

MINUTES = float(os.environ.get("SOAK_MINUTES", "10"))
BACKENDS = [b.strip() for b in os.environ.get("SOAK_BACKENDS", "sqlite,postgres").split(",")]
USERS = int(os.environ.get("SOAK_USERS", "48"))
PACE_MS = int(os.environ.get("SOAK_PACE_MS", "100"))
RESET_SECS = float(os.environ.get("SOAK_RESET_SECS", "20"))
WARMUP_MINUTES = float(os.environ.get("SOAK_WARMUP_MINUTES", "2"))
SAMPLE_SECS = 5.0
PORT = int(os.environ.get("SOAK_PORT", "3320"))
PG_ADMIN = os.environ.get("SOAK_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/test")
PG_DATABASE = os.environ.get("SOAK_PG_DATABASE", "tokengate_soak")
RESULTS = ROOT / "bench" / "results"


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), "unknown")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    return {"cpu": cpu, "cores": os.cpu_count(), "kernel": platform.release(), "commit": commit,
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def seed(users: list[SimulatedUser]) -> None:
    """Every account signs up from its own client address and verifies its address."""
    t = time.monotonic()
    for user in users:
        if not user.sign_up():
            failures = user.recorder.failures
            sys.exit(f"seeding {user.username} failed: {failures[-1] if failures else '?'}")
    say(f"seeded {len(users)} accounts with verified addresses in {time.monotonic() - t:.1f} s")


def sample(t: float, server: Server, probe, outbox: Outbox) -> dict:
    busy, total = machine_cpu_secs()
    return {"t": round(t, 2), "rss_kb": rss_kb(server.pid), "threads": threads(server.pid),
            "server_cpu_s": process_cpu_secs(server.pid), "loadgen_cpu_s": own_cpu_secs(),
            "machine_busy_s": busy, "machine_total_s": total, "outbox_files": outbox.files_left(),
            **probe.sample()}


def measure(server: Server, users: list[SimulatedUser], recorder: Recorder, probe,
            outbox: Outbox, duration: float) -> tuple[list[dict], list[dict]]:
    """Runs the users for `duration` seconds; samples every SAMPLE_SECS and prints a row per
    minute. Returns the samples and the rows."""
    times = [k * SAMPLE_SECS for k in range(1, int(duration // SAMPLE_SECS) + 1)]
    if not times or times[-1] < duration:
        times.append(duration)
    t0 = time.monotonic()
    recorder.t0 = t0
    samples = [sample(0.0, server, probe, outbox)]
    for user in users:
        user.start()
    print(console_header(), flush=True)
    rows, minute = [], 0
    for at in times:
        time.sleep(max(0.0, t0 + at - time.monotonic()))
        if not server.alive():
            recorder.fail("server", "connection", f"the server exited after {at:.0f} s")
            break
        samples.append(sample(at, server, probe, outbox))
        if at >= (minute + 1) * 60 or at == duration:
            rows.append(minute_row(minute, duration, samples, recorder))
            print(console_row(rows[-1]), flush=True)
            minute += 1
    return samples, rows


def soak(backend: str, binary: Path) -> dict:
    workdir = WORK / backend
    shutil.rmtree(workdir, ignore_errors=True)
    data = workdir / "data"
    data.mkdir(parents=True, mode=0o700)  # the server refuses to be quiet about a readable one
    data.chmod(0o700)
    database_url = prepare_postgres(PG_ADMIN, PG_DATABASE) if backend == "postgres" else None
    duration = MINUTES * 60
    say(f"{backend}: {MINUTES:g} min, {USERS} users, a call every {PACE_MS} ms each")
    server = Server(binary, PORT, data, database_url)
    outbox, recorder, stop = Outbox(data / "outbox"), Recorder(), threading.Event()
    users = [SimulatedUser(i, USERS, PORT, recorder, outbox, PACE_MS / 1000, RESET_SECS, stop)
             for i in range(USERS)]
    exit_code, database = None, ""
    try:
        outbox.start()
        seed(users)
        probe = PostgresProbe(database_url) if database_url else SqliteProbe(data / "tokengate.db")
        database = probe.describe()
        samples, rows = measure(server, users, recorder, probe, outbox, duration)
    finally:
        stop.set()
        for user in users:
            if user.is_alive():
                user.join(timeout=35)
        outbox.stop()
        exit_code = server.stop()
    log = server.log_findings()
    checks = verdicts(samples, recorder, duration, WARMUP_MINUTES * 60, log, exit_code)
    server_env = {k: v for k, v in server.env.items() if k.startswith("TOKENGATE_")
                  and k not in ("TOKENGATE_DATA_DIR", "TOKENGATE_LOG_FORMAT")}
    result = {
        "backend": backend, "machine": machine(),
        "settings": {"minutes": MINUTES, "users": USERS, "pace_ms": PACE_MS,
                     "scheduled_per_s": USERS * 1000 / PACE_MS, "cycle": list(CYCLE),
                     "reset_every_cycles": users[0].reset_every, "sample_secs": SAMPLE_SECS,
                     "warmup_minutes": WARMUP_MINUTES, "server_env": server_env,
                     "database": database},
        "passed": all(c["passed"] for c in checks), "verdicts": checks, "minutes": rows,
        "failures": recorder.failures, "failure_totals": dict(recorder.total_failures),
        "server_log": log, "mail": {**outbox.kinds, "partial_reads": outbox.partial_reads},
        "samples": samples,
    }
    write_reports(RESULTS / f"soak-{backend}", result)
    for c in checks:
        say(f"{'pass' if c['passed'] else 'FAIL'}  {c['check']}: {c['measured']} (limit {c['limit']})")
    for f in recorder.failures[:5]:
        say(f"  failure at {f['at_s']} s, {f['call']} ({f['category']}): {f['detail']}")
    say(f"{backend}: {'PASS' if result['passed'] else 'FAIL'}; "
        f"{RESULTS / f'soak-{backend}.md'}")
    return result


def main() -> None:
    unknown = set(BACKENDS) - {"sqlite", "postgres"}
    if unknown:
        sys.exit(f"SOAK_BACKENDS: unknown {', '.join(sorted(unknown))} (sqlite, postgres)")
    if MINUTES <= 0 or USERS < 1 or PACE_MS < 1:
        sys.exit("SOAK_MINUTES, SOAK_USERS and SOAK_PACE_MS must be positive")
    if "postgres" in BACKENDS and not shutil.which("psql"):
        sys.exit("psql is needed for the PostgreSQL soak")
    wait_for_quiet(wait_minutes=120)
    binary = WORK / "tokengate"
    if os.environ.get("SOAK_SKIP_BUILD") == "1" and binary.exists():
        say(f"SOAK_SKIP_BUILD=1: reusing {binary} from the last build")
    else:
        binary = build()
    failed = [r["backend"] for r in (soak(b, binary) for b in BACKENDS) if not r["passed"]]
    if failed:
        sys.exit(f"soak FAILED on {', '.join(failed)}: see bench/results/soak-<backend>.md")
    say("soak passed on " + ", ".join(BACKENDS))


if __name__ == "__main__":
    main()
