#!/usr/bin/env python3
"""Login enumeration timing: does an unknown username answer faster than a wrong password?

Starts the real server (release build if present, else debug) on a fresh SQLite database with the
default (OWASP) Argon2 parameters and throttling raised out of the way, creates one account, then
alternates N logins with a wrong password and N with an unknown username, over loopback.
Prints the medians, p90s and their ratio, and writes bench/results/login-enumeration.md.

    python3 bench/login_enumeration.py [N]      (default N=200)
"""
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
N = int(sys.argv[1]) if len(sys.argv) > 1 else 200


def binary():
    for profile in ("release", "debug"):
        path = os.path.join(ROOT, "target", profile, "tokengate")
        if os.path.exists(path):
            return path, profile
    sys.exit("build first: cargo leptos build --release (or make serve)")


def start(path, data_dir):
    env = dict(os.environ,
               LEPTOS_SITE_ADDR="127.0.0.1:0", TOKENGATE_DATA_DIR=data_dir, RUST_LOG="warn",
               TOKENGATE_LOGIN_MAX_FAILURES="1000000", TOKENGATE_LOGIN_MAX_FAILURES_PER_IP="1000000",
               LEPTOS_OUTPUT_NAME="tokengate")
    proc = subprocess.Popen([path], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in proc.stdout:
        if line.startswith("tokengate listening on http://"):
            host, port = line.strip().rsplit("/", 1)[1].split(":")
            return proc, host, int(port)
    sys.exit("server did not start")


def post(conn, path, body):
    payload = json.dumps(body)
    start = time.perf_counter()
    conn.request("POST", path, payload, {"Content-Type": "application/json"})
    resp = conn.getresponse()
    data = resp.read()
    elapsed = (time.perf_counter() - start) * 1000
    return resp.status, data, elapsed


def main():
    path, profile = binary()
    with tempfile.TemporaryDirectory() as data_dir:
        proc, host, port = start(path, data_dir)
        try:
            conn = http.client.HTTPConnection(host, port)
            status, _, _ = post(conn, "/api/auth/signup", {"username": "bench-user", "password": "correct horse battery"})
            assert status == 201, status
            wrong, unknown, bodies = [], [], set()
            for i in range(N):
                s1, b1, t1 = post(conn, "/api/auth/login", {"username": "bench-user", "password": f"wrong-{i}-password"})
                s2, b2, t2 = post(conn, "/api/auth/login", {"username": f"nobody-{i}", "password": f"wrong-{i}-password"})
                assert s1 == s2 == 401, (s1, s2)
                bodies.update([b1, b2])
                wrong.append(t1)
                unknown.append(t2)
        finally:
            proc.terminate()
            proc.wait()

    def p90(xs):
        return statistics.quantiles(xs, n=10)[-1]

    mw, mu = statistics.median(wrong), statistics.median(unknown)
    ratio = mu / mw
    table = "\n".join([
        f"# Login enumeration timing ({profile} build, N={N} each, loopback, one connection)",
        "",
        "| case | median ms | p90 ms |",
        "|---|---|---|",
        f"| wrong password (existing user) | {mw:.2f} | {p90(wrong):.2f} |",
        f"| unknown username | {mu:.2f} | {p90(unknown):.2f} |",
        "",
        f"median ratio unknown / wrong = **{ratio:.3f}**; distinct response bodies: {len(bodies)}",
        "",
    ])
    print(table)
    os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
    with open(os.path.join(ROOT, "bench", "results", "login-enumeration.md"), "w") as f:
        f.write(table)


if __name__ == "__main__":
    main()
