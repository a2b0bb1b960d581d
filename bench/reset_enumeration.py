#!/usr/bin/env python3
"""Password-reset enumeration timing: does a reset request for a verified address answer any
differently from one for an unknown or an unverified address?

Starts the real server (release build if present, else debug) on a fresh SQLite database with no
SMTP URL (mail goes to the outbox folder) and the reset throttles raised out of the way; creates
one account with a verified address (following the link from its outbox mail) and one with an
unverified address; then sends N reset requests per case, interleaved, over loopback. Prints the
status codes, distinct bodies, medians and p90s, and writes bench/results/reset-enumeration.md.

    python3 bench/reset_enumeration.py [N]      (default N=300)
"""
import email
import random
import glob
import os
import re
import statistics
import sys
import tempfile
import time
import http.client

from login_enumeration import ROOT, binary, post

N = int(sys.argv[1]) if len(sys.argv) > 1 else 300


def start(path, data_dir):
    import subprocess
    env = dict(os.environ,
               LEPTOS_SITE_ADDR="127.0.0.1:0", TOKENGATE_DATA_DIR=data_dir, RUST_LOG="warn",
               TOKENGATE_PASSWORD_RESET_MAX_PER_ADDRESS="1000000",
               TOKENGATE_PASSWORD_RESET_MAX_PER_IP="1000000",
               LEPTOS_OUTPUT_NAME="tokengate")
    proc = subprocess.Popen([path], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in proc.stdout:
        if line.startswith("tokengate listening on http://"):
            host, port = line.strip().rsplit("/", 1)[1].split(":")
            return proc, host, int(port)
    sys.exit("server did not start")


def verification_token(data_dir):
    deadline = time.time() + 20
    while time.time() < deadline:
        for path in glob.glob(os.path.join(data_dir, "outbox", "*.eml")):
            message = email.message_from_bytes(open(path, "rb").read())
            if "alice@example.com" not in message["To"]:
                continue
            for part in message.walk():
                if part.get_content_type() == "text/plain":
                    text = part.get_payload(decode=True).decode()
                    found = re.search(r"verify-email\?token=([A-Za-z0-9_-]{43})", text)
                    if found:
                        return found.group(1)
        time.sleep(0.1)
    sys.exit("no verification mail in the outbox")


def main():
    path, profile = binary()
    cases = {
        "verified address": "alice@example.com",
        "unknown address": "nobody@example.com",
        "unverified address": "bob@example.com",
    }
    times = {name: [] for name in cases}
    statuses, bodies = set(), set()
    with tempfile.TemporaryDirectory() as data_dir:
        proc, host, port = start(path, data_dir)
        try:
            conn = http.client.HTTPConnection(host, port)
            for user in ("alice", "bob"):
                status, _, _ = post(conn, "/api/auth/signup", {
                    "username": user, "password": "correct horse battery", "email": f"{user}@example.com"})
                assert status == 201, status
            status, _, _ = post(conn, "/api/auth/verify-email", {"token": verification_token(data_dir)})
            assert status == 200, status
            order = list(cases.items())
            for _ in range(N):
                # Shuffled each round: the mail sender works after a request for the verified
                # address, and a fixed order would charge that to whichever case comes next.
                random.shuffle(order)
                for name, address in order:
                    status, body, elapsed = post(conn, "/api/auth/password-reset", {"email": address})
                    statuses.add(status)
                    bodies.add(body)
                    times[name].append(elapsed)
        finally:
            proc.terminate()
            proc.wait()

    def p90(xs):
        return statistics.quantiles(xs, n=10)[-1]

    base = statistics.median(times["verified address"])
    rows = [f"| {name} | {statistics.median(xs):.3f} | {p90(xs):.3f} | {statistics.median(xs) / base:.3f} |"
            for name, xs in times.items()]
    table = "\n".join([
        f"# Password-reset enumeration timing ({profile} build, N={N} each, loopback, one connection)",
        "",
        "| case | median ms | p90 ms | median / verified |",
        "|---|---|---|---|",
        *rows,
        "",
        f"status codes: {sorted(statuses)}; distinct response bodies: {len(bodies)}",
        "",
    ])
    print(table)
    os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
    with open(os.path.join(ROOT, "bench", "results", "reset-enumeration.md"), "w") as f:
        f.write(table)


if __name__ == "__main__":
    main()
