"""The per-minute table, the checks that pass or fail the soak, and its report files."""

from __future__ import annotations

import json
import math
import os
import statistics
from pathlib import Path

from .load import KINDS
from .probes import PRUNED

RSS_GROWTH_LIMIT = 0.10
# A pruned table still grows when the mean of its counts over the last third of the run exceeds
# the mean over the middle third by more than this share plus a few rows (counts saw-tooth
# between prune passes; means over many samples smooth that out).
PLATEAU_GROWTH_LIMIT = 0.10
PLATEAU_SLACK_ROWS = 10
SHORT = {"login": "login", "refresh": "refresh", "me": "me", "sessions": "sessions",
         "reset_request": "reset req", "reset_mail": "reset mail", "reset_confirm": "reset"}
SHOWN = ("login", "refresh", "me", "sessions", "reset_confirm", "reset_mail")
TABLE_SHORT = {"refresh_families": "families", "refresh_tokens": "tokens",
               "login_throttle": "throttle", "email_tokens": "links", "mail_outbox": "mails",
               "mfa_challenges": "mfa", "webauthn_ceremonies": "ceremonies",
               "security_events": "events", "users": "users"}
ROW_TABLES = ("refresh_families", "refresh_tokens", "login_throttle", "email_tokens",
              "mail_outbox", "security_events")


def percentile(values: list[float], p: float) -> float | None:
    """Nearest rank."""
    if not values:
        return None
    ordered = sorted(values)
    rank = math.ceil(len(ordered) * p / 100)
    return ordered[max(0, min(len(ordered), rank) - 1)]


def at_or_before(samples: list[dict], t: float) -> dict:
    return [s for s in samples if s["t"] <= t + 1e-6][-1]


def minute_row(minute: int, duration: float, samples: list[dict], recorder) -> dict:
    start, end = minute * 60, min((minute + 1) * 60, duration)
    span = max(end - start, 1e-9)
    calls = {}
    for kind in KINDS:
        values = recorder.latencies.get((minute, kind), [])
        calls[kind] = {"count": len(values), "per_s": round(len(values) / span, 2),
                       "p50_ms": round(percentile(values, 50) or 0, 2),
                       "p99_ms": round(percentile(values, 99) or 0, 2)}
    first, last = at_or_before(samples, start), at_or_before(samples, end)
    dt = max(last["t"] - first["t"], 1e-9)
    cores = os.cpu_count() or 1

    def share(key: str) -> float:  # CPU over the minute, as % of the whole machine
        return round((last[key] - first[key]) / (dt * cores) * 100, 1)

    machine = (last["machine_busy_s"] - first["machine_busy_s"]) / max(
        last["machine_total_s"] - first["machine_total_s"], 1e-9)
    failures = {c: recorder.failure_counts.get((minute, c), 0)
                for c in ("5xx", "connection", "unexpected")}
    return {
        "minute": minute + 1, "seconds": round(span, 1),
        "requests_per_s": round(sum(c["count"] for k, c in calls.items()
                                    if k != "reset_mail") / span, 1),
        "calls": calls, "failures": failures,
        "rss_mb": round(last["rss_kb"] / 1024, 1), "threads": last["threads"],
        "db_mb": round(last["db_bytes"] / 2**20, 2),
        "server_cpu_pct": share("server_cpu_s"), "loadgen_cpu_pct": share("loadgen_cpu_s"),
        "machine_cpu_pct": round(machine * 100, 1),
        "rows": last["rows"], "dead_rows": last.get("dead_rows"),
        "outbox_files": last["outbox_files"],
    }


def console_header() -> str:
    calls = " ".join(f"{SHORT[k]:>15}" for k in SHOWN)
    tables = " ".join(f"{TABLE_SHORT[t]:>8}" for t in ROW_TABLES)
    return (f"{'min':>3} {'req/s':>6} {calls} {'fail':>4} {'RSS MB':>6} {'srv%':>5} {'all%':>5} "
            f"{'gen%':>5} {'DB MB':>6} {tables}\n{'':>11}" + "(p50/p99 ms)".rjust(16 * len(SHOWN)))


def console_row(row: dict) -> str:
    calls = " ".join(f"{row['calls'][k]['p50_ms']:>7.1f}/{row['calls'][k]['p99_ms']:<7.1f}"
                     for k in SHOWN)
    tables = " ".join(f"{row['rows'][t]:>8}" for t in ROW_TABLES)
    return (f"{row['minute']:>3} {row['requests_per_s']:>6.1f} {calls} "
            f"{sum(row['failures'].values()):>4} {row['rss_mb']:>6.1f} "
            f"{row['server_cpu_pct']:>5.1f} {row['machine_cpu_pct']:>5.1f} "
            f"{row['loadgen_cpu_pct']:>5.1f} {row['db_mb']:>6.2f} "
            f"{tables}")


def windows(duration: float, warmup_secs: float) -> dict:
    """The spans the checks compare. Warm-up ends at `warmup_secs` or a third of a shorter run;
    RSS is the median over the last `span` seconds before the end of warm-up and before the end
    (a minute, or a sixth of a shorter run), so a momentary Argon2 buffer does not decide it."""
    warm = min(warmup_secs, duration / 3)
    span = min(60.0, duration / 6)
    return {"warmup_end_s": warm, "rss_span_s": span,
            "middle_third_s": (duration / 3, 2 * duration / 3),
            "last_third_s": (2 * duration / 3, duration)}


def values_in(samples: list[dict], lo: float, hi: float, pick) -> list[float]:
    """The samples in (lo, hi]; in a run too short to have one there, the last before hi."""
    inside = [pick(s) for s in samples if lo < s["t"] <= hi + 1e-6]
    return inside or [pick(at_or_before(samples, hi))]


def verdicts(samples: list[dict], recorder, duration: float, warmup_secs: float,
             log: dict, exit_code: int | None) -> list[dict]:
    w = windows(duration, warmup_secs)
    out = []

    def check(name: str, measured: str, limit: str, passed: bool) -> None:
        out.append({"check": name, "measured": measured, "limit": limit, "passed": passed})

    fatal = recorder.total_failures["5xx"] + recorder.total_failures["connection"]
    check("5xx answers and connection errors", str(fatal), "0", fatal == 0)
    unexpected = recorder.total_failures["unexpected"]
    check("unexpected answers (status or body)", str(unexpected), "0", unexpected == 0)

    rss = lambda s: s["rss_kb"] / 1024  # noqa: E731
    warm = statistics.median(values_in(samples, w["warmup_end_s"] - w["rss_span_s"],
                                       w["warmup_end_s"], rss))
    end = statistics.median(values_in(samples, duration - w["rss_span_s"], duration, rss))
    growth = end / warm - 1
    check(f"RSS growth, end of warm-up ({w['warmup_end_s']:.0f} s) to the end",
          f"{warm:.1f} -> {end:.1f} MB ({growth:+.1%})", f"<= +{RSS_GROWTH_LIMIT:.0%}",
          growth <= RSS_GROWTH_LIMIT)

    (m_lo, m_hi), (l_lo, l_hi) = w["middle_third_s"], w["last_third_s"]
    for table in PRUNED:
        middle = statistics.mean(values_in(samples, m_lo, m_hi, lambda s: s["rows"][table]))
        last = statistics.mean(values_in(samples, l_lo, l_hi, lambda s: s["rows"][table]))
        limit = middle * (1 + PLATEAU_GROWTH_LIMIT) + PLATEAU_SLACK_ROWS
        check(f"{table} levels off (mean rows, middle third -> last third)",
              f"{middle:.0f} -> {last:.0f}", f"<= {limit:.0f}", last <= limit)

    problems = log["panics"] + log["errors"]
    check("server log: panics and ERROR lines", str(problems), "0", problems == 0)
    check("server exit on SIGTERM", str(exit_code), "0", exit_code == 0)
    return out


def write_reports(path_stem: Path, result: dict) -> None:
    path_stem.parent.mkdir(parents=True, exist_ok=True)
    Path(f"{path_stem}.json").write_text(json.dumps(result, indent=2) + "\n")
    Path(f"{path_stem}.md").write_text(markdown(result))


def markdown(r: dict) -> str:
    s = r["settings"]
    rates = [m["requests_per_s"] for m in r["minutes"]]
    lines = [
        f"# Soak: {r['backend']}, {s['minutes']} min",
        "",
        f"{r['machine']['cpu']}, {r['machine']['cores']} cores; commit {r['machine']['commit']}; "
        f"{r['machine']['date']}. Written by `bench/soak.py` (see bench/README.md, Soak).",
        "",
        f"Load: {s['users']} simulated users, one call every {s['pace_ms']} ms each "
        f"(scheduled {s['scheduled_per_s']:.0f} calls/s), a password reset every "
        f"{s['reset_every_cycles']} cycles per user; cycle: {' '.join(s['cycle'])}.",
        "",
        "Achieved: " + (f"{min(rates):.1f} to {max(rates):.1f} calls/s over the minutes."
                        if rates else "no full minute."),
        "",
        f"Database: {s.get('database', '?')}.",
        "",
        "Server settings: " + ", ".join(f"`{k}={v}`" for k, v in s["server_env"].items()) + ".",
        "",
        f"**Result: {'PASS' if r['passed'] else 'FAIL'}**",
        "",
        "| check | measured | limit | result |",
        "|---|---|---|---|",
        *[f"| {v['check']} | {v['measured']} | {v['limit']} | {'pass' if v['passed'] else '**FAIL**'} |"
          for v in r["verdicts"]],
        "",
        "## Calls per minute (per second, p50 / p99 ms)",
        "",
        "| min | calls/s | " + " | ".join(SHORT[k] for k in KINDS) + " | failures |",
        "|---|---|" + "---|" * len(KINDS) + "---|",
    ]
    for row in r["minutes"]:
        cells = [f"{c['per_s']:.1f}/s, {c['p50_ms']:.1f} / {c['p99_ms']:.1f}"
                 for c in (row["calls"][k] for k in KINDS)]
        lines.append(f"| {row['minute']} | {row['requests_per_s']:.1f} | " + " | ".join(cells)
                     + f" | {sum(row['failures'].values())} |")
    tables = [t for t in r["minutes"][0]["rows"]]
    dead = r["minutes"][0].get("dead_rows") is not None
    lines += [
        "",
        "## Resources per minute (end of each minute; CPU as % of the whole machine)",
        "",
        "| min | RSS MB | threads | server CPU % | load generator CPU % | machine CPU % | DB MB | "
        "outbox files | " + " | ".join(TABLE_SHORT[t] for t in tables)
        + (" | dead rows |" if dead else " |"),
        "|---|---|---|---|---|---|---|---|" + "---|" * (len(tables) + dead),
    ]
    for row in r["minutes"]:
        lines.append(
            f"| {row['minute']} | {row['rss_mb']:.1f} | {row['threads']} | {row['server_cpu_pct']:.1f} | "
            f"{row['loadgen_cpu_pct']:.1f} | {row['machine_cpu_pct']:.1f} | {row['db_mb']:.2f} | "
            f"{row['outbox_files']} | " + " | ".join(str(row["rows"][t]) for t in tables)
            + (f" | {row['dead_rows']} |" if dead else " |"))
    log = r["server_log"]
    lines += ["", f"Server log: {log['panics']} panics, {log['errors']} ERROR and "
              f"{log['warnings']} WARN lines; {log['prune_passes']} prune passes deleted rows. "
              "Mail read from the outbox: "
              + ", ".join(f"{n} {kind}" for kind, n in r["mail"].items()) + "."]
    if log["lines"]:
        lines += ["", "```", *(line[:300] for line in log["lines"]), "```"]
    if r["failures"]:
        lines += ["", "## Failures (the first ones)", "", "| at s | call | kind | detail |",
                  "|---|---|---|---|"]
        for f in r["failures"]:
            detail = f["detail"].replace("|", "\\|")
            lines.append(f"| {f['at_s']} | {f['call']} | {f['category']} | `{detail}` |")
    return "\n".join(lines) + "\n"
