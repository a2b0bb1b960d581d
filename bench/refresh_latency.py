#!/usr/bin/env python3
"""Refresh endpoint latency: N sequential `POST /api/auth/refresh` rotations over loopback.

Starts the built server (release if present, else debug) on a fresh SQLite database, logs in,
then exchanges the refresh cookie N times, each time presenting the newest one. Prints p50/p90/p99
and writes bench/results/refresh-latency.md.

    python3 bench/refresh_latency.py [N]      (default N=500)
"""
import http.client
import json
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from login_enumeration import ROOT, binary, start  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 500


def cookie_of(resp):
    for name, value in resp.getheaders():
        if name.lower() == "set-cookie" and value.startswith("tg_refresh="):
            return value.split(";", 1)[0]
    raise SystemExit("no refresh cookie in the answer")


def main():
    path, profile = binary()
    with tempfile.TemporaryDirectory() as data_dir:
        proc, host, port = start(path, data_dir)
        try:
            conn = http.client.HTTPConnection(host, port)
            body = json.dumps({"username": "bench-user", "password": "correct horse battery"})
            conn.request("POST", "/api/auth/signup", body, {"Content-Type": "application/json"})
            resp = conn.getresponse()
            resp.read()
            assert resp.status == 201, resp.status
            cookie = cookie_of(resp)
            times = []
            for _ in range(N):
                t0 = time.perf_counter()
                conn.request("POST", "/api/auth/refresh", "", {"Cookie": cookie})
                resp = conn.getresponse()
                resp.read()
                times.append((time.perf_counter() - t0) * 1000)
                assert resp.status == 200, resp.status
                cookie = cookie_of(resp)
        finally:
            proc.terminate()
            proc.wait()
    q = statistics.quantiles(times, n=100)
    table = "\n".join([
        f"# Refresh latency ({profile} build, SQLite, N={N} sequential rotations, loopback)",
        "",
        "| p50 ms | p90 ms | p99 ms | mean ms |",
        "|---|---|---|---|",
        f"| {statistics.median(times):.2f} | {q[89]:.2f} | {q[98]:.2f} | {statistics.mean(times):.2f} |",
        "",
    ])
    print(table)
    with open(os.path.join(ROOT, "bench", "results", f"refresh-latency-{profile}.md"), "w") as f:
        f.write(table)


if __name__ == "__main__":
    main()
