#!/usr/bin/env python3
"""Writes bench/results/report.md and throughput.svg from results.json (bench/run.py).

    python3 bench/report.py [bench/results/results.json]

The SVG needs matplotlib; without it, it is installed into target/bench-venv first.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / "target" / "bench-venv"


def fmt_rps(x: float) -> str:
    return f"{x:,.0f}"


def fmt_ms(x: float) -> str:
    return f"{x:.2f}" if x < 10 else f"{x:.1f}"


def kb(n: int | None) -> str:
    return "n/a" if n is None else f"{n / 1000:,.1f} KB"


def target_rows(r: dict) -> list[tuple[str, str, str, str]]:
    """(target, measured, distance, met) for every target of the benchmark issue."""
    rows = []
    st = r["same_token"]["cache_on"]
    ratio = st["ratio"]
    rows.append(("Same token: protected / unguarded >= 0.90x (EdDSA)", f"{ratio:.3f}x",
                 f"{ratio - 0.90:+.3f}", ratio >= 0.90))
    if "ratio_healthz" in st:
        x = st["ratio_healthz"]
        rows.append(("Same token: /api/me / plain /healthz >= 0.90x", f"{x:.3f}x", f"{x - 0.90:+.3f}",
                     x >= 0.90))
    users = r["settings"]["users"]
    lo, hi = str(users[0]), str(users[-1])
    for label in ("cache_on", "cache_off"):
        d = r["distinct"]["tokengate"][label]
        flat = d[hi]["rps"] / d[lo]["rps"]
        rows.append((f"Distinct users ({label.replace('_', ' ')}): {int(hi):,} vs {int(lo):,} users >= 0.95x",
                     f"{flat:.3f}x", f"{flat - 0.95:+.3f}", flat >= 0.95))
        rss = d[hi]["rss_mb"] / d[lo]["rss_mb"] - 1
        rows.append((f"Distinct users ({label.replace('_', ' ')}): RSS flat within 10%",
                     f"{d[lo]['rss_mb']:.1f} -> {d[hi]['rss_mb']:.1f} MB ({rss:+.1%})",
                     f"{abs(rss) - 0.10:+.1%} vs limit", abs(rss) <= 0.10))
    ours_hi = r["distinct"]["tokengate"]["cache_on"][hi]["rps"]
    for base in ("baseline_sqlite", "baseline_postgres"):
        b = r["distinct"][base][hi]["rps"]
        x = ours_hi / b
        rows.append((f"Distinct users: >= 10x the session baseline ({base[9:]}) at {int(hi):,}",
                     f"{x:.1f}x", f"{x - 10:+.1f}", x >= 10))
    if "dpop" in r:
        floor = r["same_token"]["cache_off"]["protected"]["rps"]
        same = r["dpop"]["same"]["rps"]
        rows.append(("DPoP same token >= the Bearer cache-off rate (one verification more)",
                     f"{fmt_rps(same)} vs {fmt_rps(floor)} req/s", f"{same / floor:.3f}x",
                     same >= floor))
    login = r["login"]
    p50 = login["concurrency"]["1"]["p50_ms"]
    hash_ms = login["argon2_verify"]["median_ms"]
    rows.append(("Login p50 (concurrency 1) within 5 ms of one Argon2 verification",
                 f"{fmt_ms(p50)} ms vs {fmt_ms(hash_ms)} ms", f"{p50 - hash_ms:+.2f} ms (limit 5)",
                 p50 - hash_ms <= 5))
    if "same_run" in login:
        own = login["same_run"]["login_mean_ms"] - login["same_run"]["verify_mean_ms"]
        rows.append(("Login's own work at concurrency 1 (mean login - the server's mean Argon2 "
                     "verification of the same logins) <= 5 ms",
                     f"{fmt_ms(login['same_run']['login_mean_ms'])} ms - "
                     f"{fmt_ms(login['same_run']['verify_mean_ms'])} ms",
                     f"{own:.2f} ms (limit 5)", own <= 5))
    storm = login["storm"]["me_during_storm"]["p99_ms"]
    rows.append(("/api/me p99 during a 64-connection login storm < 20 ms", f"{fmt_ms(storm)} ms",
                 f"{storm - 20:+.1f} ms", storm < 20))
    # What Chromium fetched under /pkg for an interactive /login (bench/tti.mjs), as shipped.
    login_files = r["frontend"].get("login_files", [])
    if login_files and all(f.get("brotli") for f in login_files):
        first = sum(f["brotli"] for f in login_files)
        rows.append((f"First page (/login): the {len(login_files)} files it fetches (JS + WASM + CSS) "
                     "as served (brotli) <= 150 KB", kb(first),
                     f"{(first - 150_000) / 1000:+.1f} KB", first <= 150_000))
    v = r.get("verify", {}).get("verify", {})
    for alg, before in (("ES256", 299.00), ("RS256", 187.31)):
        if alg in v:
            us = v[alg] / 1000
            rows.append((f"{alg} verification faster than the pure-Rust backend ({before} µs)",
                         f"{us:.1f} µs", f"{us / before:.2f}x", us < before))
    wasm = r["frontend"]["sizes"]["wasm"]["gzip"]
    rows.append(("Release .wasm <= 200 KB gzip", kb(wasm), f"{(wasm - 200_000) / 1000:+.1f} KB",
                 wasm <= 200_000))
    for ext, s in r["frontend"]["static"].items():
        rows.append((f"Static .{ext} at one connection p50 < 1 ms", f"{s['p50_ms']:.3f} ms",
                     f"{s['p50_ms'] - 1:+.3f} ms", s["p50_ms"] < 1))
        long_lived = "immutable" in (s.get("cache_control") or "")
        rows.append((f"Static .{ext}: long-lived cache, precompressed",
                     f"{s.get('cache_control')}; {s.get('content_encoding')}", "",
                     long_lived and s.get("content_encoding") == "br"))
    return [(t, m, d, "yes" if ok else "**no**") for t, m, d, ok in rows]


def markdown(r: dict) -> str:
    m, s = r["machine"], r["settings"]
    users = s["users"]
    out = ["# Tokengate benchmark: token verification vs server-side sessions", ""]
    out += [f"Measured {m['date']} at commit `{m['commit']}` with `make bench` "
            f"(bench/run.py; {s['seconds_per_run']} s per wrk run, {s['connections']} connections, "
            f"{s['load_generator']}).", "",
            f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, Linux {m['kernel']}; "
            f"{m['rustc']}; {m['wrk']}. Load generator and servers share the {m['cores']} cores.", "",
            f"Build {r['build']['leptos_release_s']:.0f} s (cargo leptos release + precompress, "
            f"bench tools included); seeding and minting with the session baseline's build beside "
            f"them {r['build']['baseline_s']:.0f} s; measurements {r['run_s']:.0f} s; "
            f"whole command {r['total_s']:.0f} s.", ""]

    out += ["## Targets", "", "| Target | Measured | Distance | Met |", "|---|---|---|---|"]
    out += [f"| {t} | {mv} | {d} | {ok} |" for t, mv, d, ok in target_rows(r)]

    out += ["", "## 1. Same token: GET /api/me (a plain handler) against the same answer unguarded", "",
            "| Server | Endpoint | req/s | p50 ms | p99 ms | protected / unguarded |",
            "|---|---|---:|---:|---:|---:|"]
    for label, title in (("cache_on", "verified-token cache on (default)"),
                         ("cache_off", "cache off (`TOKENGATE_TOKEN_CACHE_CAPACITY=0`)")):
        st = r["same_token"][label]
        for name, row in (("unguarded plain twin", st["unguarded"]), ("/api/me (EdDSA)", st["protected"])):
            ratio = f"{st['ratio']:.3f}x" if name.startswith("/api") else ""
            out.append(f"| {title} | {name} | {fmt_rps(row['rps'])} | {fmt_ms(row['p50_ms'])} | "
                       f"{fmt_ms(row['p99_ms'])} | {ratio} |")
    if "healthz" in r["same_token"]["cache_on"]:
        h = r["same_token"]["cache_on"]["healthz"]
        out.append(f"| same server | /healthz (plain handler, no framework work) | {fmt_rps(h['rps'])} | "
                   f"{fmt_ms(h['p50_ms'])} | {fmt_ms(h['p99_ms'])} | /api/me is "
                   f"{r['same_token']['cache_on']['ratio_healthz']:.3f}x |")
    if "server_fn" in r["same_token"]["cache_on"]:
        f = r["same_token"]["cache_on"]["server_fn"]
        out.append(f"| same server | unguarded twin as a Leptos server function (the dispatch /api/me "
                   f"skips) | {fmt_rps(f['rps'])} | {fmt_ms(f['p50_ms'])} | {fmt_ms(f['p99_ms'])} | |")
    for name, b in (("SQLite", "baseline_sqlite"), ("PostgreSQL", "baseline_postgres")):
        same = r["distinct"][b]["same"]
        out.append(f"| session baseline, {name} | /api/me, one warm session | {fmt_rps(same['rps'])} | "
                   f"{fmt_ms(same['p50_ms'])} | {fmt_ms(same['p99_ms'])} | |")

    out += ["", "## 2-3. Distinct users: a different user's credential on every request", "",
            "| Users (N) | Server | req/s | p50 ms | p99 ms | RSS MB |", "|---:|---|---:|---:|---:|---:|"]
    series = [("tokengate, cache on", r["distinct"]["tokengate"]["cache_on"]),
              ("tokengate, cache off", r["distinct"]["tokengate"]["cache_off"])]
    if "unbatched_cache_off" in r["distinct"]["tokengate"]:
        series.append(("tokengate, cache off, signatures not batched",
                       r["distinct"]["tokengate"]["unbatched_cache_off"]))
    if "hs256_cache_off" in r["distinct"]["tokengate"]:
        series.append(("tokengate, HS256, cache off", r["distinct"]["tokengate"]["hs256_cache_off"]))
    series += [("session baseline, SQLite", r["distinct"]["baseline_sqlite"]),
              ("session baseline, PostgreSQL", r["distinct"]["baseline_postgres"])]
    for n in users:
        for name, rows in series:
            row = rows[str(n)]
            out.append(f"| {n:,} | {name} | {fmt_rps(row['rps'])} | {fmt_ms(row['p50_ms'])} | "
                       f"{fmt_ms(row['p99_ms'])} | {row['rss_mb']:.1f} |")
    hi = str(users[-1])
    ours = r["distinct"]["tokengate"]["cache_on"][hi]["rps"]
    out += ["", f"At {int(hi):,} users tokengate serves "
            f"{ours / r['distinct']['baseline_sqlite'][hi]['rps']:.1f}x the SQLite session baseline and "
            f"{ours / r['distinct']['baseline_postgres'][hi]['rps']:.1f}x the PostgreSQL one."]
    if "unbatched_cache_off" in r["distinct"]["tokengate"]:
        single = r["distinct"]["tokengate"]["unbatched_cache_off"][hi]["rps"]
        batched = r["distinct"]["tokengate"]["cache_off"][hi]["rps"]
        out += ["", f"Checking new tokens' Ed25519 signatures in batches across concurrent requests "
                f"(the default, `tokens::batch`) serves {batched / single:.2f}x the rate of checking "
                f"each on its request's task (`TOKENGATE_SIGNATURE_THREADS=0`) at {int(hi):,} users, cache off."]
    if "hs256_cache_off" in r["distinct"]["tokengate"]:
        hs = r["distinct"]["tokengate"]["hs256_cache_off"][hi]["rps"]
        out += ["", f"Configured for HS256 (symmetric: `TOKENGATE_JWT_ALGORITHM=HS256`, one shared "
                f"secret, no public JWKS), with the cache off, it serves "
                f"{hs / r['distinct']['baseline_sqlite'][hi]['rps']:.1f}x and "
                f"{hs / r['distinct']['baseline_postgres'][hi]['rps']:.1f}x. The difference between the "
                f"two rows is one Ed25519 signature check per request (section 5) on these 2 cores."]
    if "dpop" in r:
        d = r["dpop"]
        bearer = r["distinct"]["tokengate"]["cache_on"]
        out += ["", "### DPoP-bound tokens (RFC 9449): a fresh proof on every request", "",
                "The same GET /api/me on the default server (cache on), the token bound to one "
                "client Ed25519 key and a proof signed per request (`tokengate bench dpop-requests`, "
                "just before the run; each proof is sent once).", "",
                "| Traffic | DPoP req/s | p50 ms | p99 ms | Bearer req/s (same traffic) | DPoP / Bearer |",
                "|---|---:|---:|---:|---:|---:|"]
        pairs = [("one token", d["same"], r["same_token"]["cache_on"]["protected"])]
        pairs += [(f"{int(n):,} distinct users", d[n], bearer[n]) for n in d if n != "same" and n in bearer]
        for name, row, b in pairs:
            out.append(f"| {name} | {fmt_rps(row['rps'])} | {fmt_ms(row['p50_ms'])} | "
                       f"{fmt_ms(row['p99_ms'])} | {fmt_rps(b['rps'])} | {row['rps'] / b['rps']:.3f}x |")
        off = r["same_token"]["cache_off"]["protected"]["rps"]
        out += ["", f"One token with DPoP runs at {d['same']['rps'] / off:.3f}x the Bearer cache-off "
                f"rate ({fmt_rps(off)} req/s, one signature check per request): the cached token "
                f"skips its own check, and the proof costs one."]
    out += ["",
            "![throughput and p99 by number of users](throughput.svg)", ""]

    two = r["two_instances"]
    out += [f"### Two instances on one PostgreSQL, no sticky routing ({two['tokengate']['users']:,} users)", "",
            "| Server | total req/s | worst p99 ms | RSS MB per instance |", "|---|---:|---:|---|"]
    for name, key in (("tokengate", "tokengate"), ("session baseline", "baseline_postgres")):
        t = two[key]
        out.append(f"| {name} | {fmt_rps(t['rps'])} | {fmt_ms(t['p99_ms'])} | "
                   f"{', '.join(f'{x:.1f}' for x in t['rss_mb'])} |")

    login = r["login"]
    cost = login["argon2_verify"]
    out += ["", "## 4. Login", "",
            f"One Argon2id verification (m={cost['memory_kib']} KiB, t={cost['iterations']}, p=1): "
            f"median {fmt_ms(cost['median_ms'])} ms, p99 {fmt_ms(cost['p99_ms'])} ms "
            f"({cost['samples']} samples).", "",
            "| Concurrency | logins/s | p50 ms | p99 ms |", "|---:|---:|---:|---:|"]
    for c, row in login["concurrency"].items():
        out.append(f"| {c} | {row['rps']:,.1f} | {fmt_ms(row['p50_ms'])} | {fmt_ms(row['p99_ms'])} |")
    if "same_run" in login:
        same = login["same_run"]
        out += ["", f"At concurrency 1, {same['logins']:,} logins: mean {fmt_ms(same['login_mean_ms'])} ms "
                f"each, of which the server's own Argon2 verifications of the same logins "
                f"({same['verifications']:,}, `tokengate_password_verify_seconds`, waiting for a "
                f"hashing thread included) took {fmt_ms(same['verify_mean_ms'])} ms on average: "
                f"the rest of the login is {same['login_mean_ms'] - same['verify_mean_ms']:.2f} ms."]
    storm = login["storm"]
    out += ["", f"During a 64-connection login storm ({storm['login']['rps']:,.1f} logins/s), "
            f"/api/me at 4 connections with distinct users' tokens: {fmt_rps(storm['me_during_storm']['rps'])} req/s, "
            f"p50 {fmt_ms(storm['me_during_storm']['p50_ms'])} ms, p99 {fmt_ms(storm['me_during_storm']['p99_ms'])} ms."]

    v = r["verify"]
    out += ["", "## 5. Verification and signing cost per algorithm (criterion, one core)", "",
            "| Algorithm | verify µs | sign µs |", "|---|---:|---:|"]
    for alg in ("HS256", "EdDSA", "ES256", "RS256"):
        out.append(f"| {alg} | {v['verify'][alg] / 1000:.2f} | {v['sign'][alg] / 1000:.2f} |")
    if v.get("ed25519_batch"):
        batch = v["ed25519_batch"]
        out += ["", "Ed25519 checked in batches (`ed25519_dalek::verify_batch`, what the server's "
                "verification threads do with the new tokens waiting at one moment; n = 1 is a single check):", "",
                "| Batch size | µs per signature | vs one at a time |", "|---:|---:|---:|"]
        for n, ns in sorted(batch.items(), key=lambda item: int(item[0])):
            out.append(f"| {n} | {ns / 1000:.2f} | {ns / batch['1']:.2f}x |")

    f = r["frontend"]
    out += ["", "## 6. Frontend", "", "| Asset | raw | gzip -9 | brotli (shipped) |", "|---|---:|---:|---:|"]
    for ext, size in f["sizes"].items():
        out.append(f"| .{ext} (`{size['file']}`) | {kb(size['raw'])} | {kb(size['gzip'])} | {kb(size['brotli'])} |")
    if f.get("login_files"):
        total = {k: sum(x[k] or 0 for x in f["login_files"]) for k in ("raw", "gzip", "brotli")}
        out += ["", "What headless Chromium fetched under /pkg for an interactive /login (cold cache, until "
                "the network was idle after hydration); the WASM of the other pages is in chunks "
                "fetched when they are shown:", "",
                "| File fetched for /login | raw | gzip -9 | brotli (shipped) |", "|---|---:|---:|---:|"]
        for x in f["login_files"]:
            out.append(f"| `{x['file']}` | {kb(x['raw'])} | {kb(x['gzip'])} | {kb(x['brotli'])} |")
        out.append(f"| **total** | {kb(total['raw'])} | {kb(total['gzip'])} | **{kb(total['brotli'])}** |")
    tti = f["tti"]
    out += ["", f"Navigation to an interactive login form (hydrated, username field focusable), headless "
            f"Chromium over loopback, {tti['runs']} runs: cold cache median {tti['cold']['median_ms']:.0f} ms "
            f"(max {tti['cold']['max_ms']:.0f}), warm cache median {tti['warm']['median_ms']:.0f} ms "
            f"(max {tti['warm']['max_ms']:.0f}).", "",
            "| Static asset, one connection, `Accept-Encoding: br` | req/s | p50 ms | p99 ms | Cache-Control | Content-Encoding |",
            "|---|---:|---:|---:|---|---|"]
    for ext, s in f["static"].items():
        out.append(f"| .{ext} | {fmt_rps(s['rps'])} | {s['p50_ms']:.3f} | {s['p99_ms']:.3f} | "
                   f"`{s['cache_control']}` | {s['content_encoding']} |")
    if r.get("log"):
        out += ["", "## Stages of this run", "", "Seconds since the command started:", "", "```"]
        out += r["log"]
        out += ["```"]
    return "\n".join(out) + "\n"


def svg(r: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    users = r["settings"]["users"]
    series = [("tokengate (token cache on)", r["distinct"]["tokengate"]["cache_on"], "-o"),
              ("tokengate (token cache off)", r["distinct"]["tokengate"]["cache_off"], "--o"),
              *([("tokengate, HS256 (cache off)", r["distinct"]["tokengate"]["hs256_cache_off"], ":o")]
                if "hs256_cache_off" in r["distinct"]["tokengate"] else []),
              ("session baseline, SQLite", r["distinct"]["baseline_sqlite"], "-s"),
              ("session baseline, PostgreSQL", r["distinct"]["baseline_postgres"], "-^")]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6))
    for metric, ax, title in (("rps", axes[0], "Throughput (req/s)"), ("p99_ms", axes[1], "p99 latency (ms)"),
                              ("rss_mb", axes[2], "Server RSS after the run (MB)")):
        for name, rows, style in series:
            ax.plot(users, [rows[str(n)][metric] for n in users], style, label=name)
        ax.set_xscale("log")
        if metric != "rss_mb":
            ax.set_yscale("log")
        ax.set_xlabel("distinct users cycled (N)")
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=8)
    m = r["machine"]
    fig.suptitle(f"GET /api/me, every request a different user's credential - {m['cores']} cores, "
                 f"{m['cpu']}, {m['date']}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, format="svg", metadata={"Date": None})
    plt.close(fig)


def ensure_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        python = VENV / "bin" / "python"
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
            subprocess.run([str(python), "-m", "pip", "install", "-q", "matplotlib==3.9.4"], check=True)
        raise SystemExit(subprocess.run([str(python), __file__, *sys.argv[1:]]).returncode)


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "bench" / "results" / "results.json"
    results = json.loads(source.read_text())
    ensure_matplotlib()
    (source.parent / "report.md").write_text(markdown(results))
    svg(results, source.parent / "throughput.svg")
    print(f"wrote {source.parent / 'report.md'} and throughput.svg")


if __name__ == "__main__":
    main()
