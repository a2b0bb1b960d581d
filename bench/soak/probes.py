"""What is sampled while the load runs: the server's RSS and CPU time, the machine's and the load
generator's CPU time, the database's size and the row counts of the tables that grow."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
from pathlib import Path

# Tables whose rows end and that the pruner (app/src/server/prune.rs) deletes: with a fixed
# load, their counts must level off. From app/migrations/: refresh sessions and their tokens,
# the throttle counters (login, sign-up, refresh and reset buckets), mailed links, the mail queue,
# second-step login challenges and passkey ceremonies (the last two stay empty under this load).
PRUNED = ("refresh_families", "refresh_tokens", "login_throttle", "email_tokens", "mail_outbox",
          "mfa_challenges", "webauthn_ceremonies")
# Reported, not judged: the audit trail grows by design for TOKENGATE_EVENT_RETENTION_DAYS (at
# least a day, longer than any soak); the accounts are the seeded ones.
REPORTED = ("security_events", "users")
TABLES = PRUNED + REPORTED
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def rss_kb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))


def threads(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"Threads:\s+(\d+)", status).group(1))


def process_cpu_secs(pid: int) -> float:
    """User + system CPU seconds of a process (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def own_cpu_secs() -> float:
    times = os.times()
    return times.user + times.system


def machine_cpu_secs() -> tuple[float, float]:
    """(busy, total) CPU seconds of all cores since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])  # without guest time, which is already counted in user
    return (total - idle) / CLOCK_TICKS, total / CLOCK_TICKS


def count_query() -> str:
    return ", ".join(f"(SELECT count(*) FROM {table})" for table in TABLES)


class SqliteProbe:
    """The database file plus its write-ahead log; counts in one short read (no transaction is
    held between samples, so checkpoints are never blocked by the probe)."""

    def __init__(self, path: Path):
        self.path = path

    def describe(self) -> str:
        return ("SQLite; size = the file plus its write-ahead log (freed pages are reused, the "
                "file never shrinks)")

    def sample(self) -> dict:
        size = sum(p.stat().st_size for p in (self.path, Path(f"{self.path}-wal")) if p.exists())
        conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            counts = conn.execute(f"SELECT {count_query()}").fetchone()
        finally:
            conn.close()
        return {"db_bytes": size, "rows": dict(zip(TABLES, counts))}


class PostgresProbe:
    def __init__(self, url: str):
        self.url = url

    def query(self, sql: str) -> list[str]:
        done = subprocess.run(["psql", self.url, "-tAc", sql], capture_output=True, text=True,
                              check=True)
        return done.stdout.strip().split("|")

    def describe(self) -> str:
        version, autovacuum = self.query(
            "SELECT current_setting('server_version'), current_setting('autovacuum')")
        note = ("" if autovacuum == "on" else
                ": dead rows are not reclaimed, so pg_database_size grows with every update and "
                "delete, not with the live rows (see the dead rows column)")
        return f"PostgreSQL {version}, autovacuum {autovacuum}{note}"

    def sample(self) -> dict:
        dead = "(SELECT coalesce(sum(n_dead_tup), 0) FROM pg_stat_user_tables)"
        values = [int(v) for v in self.query(
            f"SELECT pg_database_size(current_database()), {dead}, {count_query()}")]
        return {"db_bytes": values[0], "dead_rows": values[1],
                "rows": dict(zip(TABLES, values[2:]))}
