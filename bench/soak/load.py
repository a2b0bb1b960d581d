"""The fixed load: each simulated user is a thread with one keep-alive connection that runs a
scripted cycle of calls, one call every `pace` seconds on an absolute schedule, so the rate is the
same minute after minute whatever the latency (a user that falls more than a second behind
starts its schedule again from now instead of bursting)."""

from __future__ import annotations

import http.client
import json
import math
import threading
import time
from collections import defaultdict

from .mail import Outbox

# One cycle: a fresh login, protected calls, the sessions list, refreshes. The session is then
# abandoned (as a closed browser leaves it): it ends after TOKENGATE_REFRESH_IDLE_SECS and the
# pruner deletes it, which is what the row counts watch.
CYCLE = ("login", "me", "sessions", "me", "me", "refresh", "me", "me", "sessions", "me",
         "refresh", "me", "me", "me", "refresh", "me")
# Every `reset_every`-th cycle of a user starts with a password reset: ask for the mail, take the
# link from it, set a new password (the cycle's login then uses it).
RESET = ("reset_request", "reset_mail", "reset_confirm")
KINDS = ("login", "refresh", "me", "sessions", "reset_request", "reset_mail", "reset_confirm")
EXPECTED = {"login": 200, "refresh": 200, "me": 200, "sessions": 200, "reset_request": 202,
            "reset_confirm": 200, "signup": 201, "verify_email": 200}
MAIL_TIMEOUT_SECS = 10
# The server closes a keep-alive connection idle for TOKENGATE_HEADER_READ_TIMEOUT_SECS (10 s);
# like any HTTP client, a user that has been quiet longer than this opens a new one rather than
# write into a connection that may be closing (only after a failed step, which waits).
REUSE_IDLE_SECS = 5
KEPT_FAILURES = 50


class Recorder:
    """Latencies per (minute, kind) and every failure, from all the users' threads. Failures are
    "5xx", "connection" or "unexpected" (another status, or an answer missing what it must
    carry); the first KEPT_FAILURES are kept with their details."""

    def __init__(self):
        self.lock = threading.Lock()
        self.t0: float | None = None  # start of the measured run; calls before it are not timed
        self.latencies: dict[tuple[int, str], list[float]] = defaultdict(list)
        self.failures: list[dict] = []
        self.failure_counts: dict[tuple[int, str], int] = defaultdict(int)
        self.total_failures = defaultdict(int)

    def minute(self, now: float) -> int:
        return int((now - self.t0) // 60) if self.t0 is not None else -1

    def ok(self, kind: str, ms: float) -> None:
        with self.lock:
            self.latencies[(self.minute(time.monotonic()), kind)].append(ms)

    def fail(self, kind: str, category: str, detail: str) -> None:
        now = time.monotonic()
        with self.lock:
            self.total_failures[category] += 1
            self.failure_counts[(self.minute(now), category)] += 1
            if len(self.failures) < KEPT_FAILURES:
                at = round(now - self.t0, 1) if self.t0 is not None else None
                self.failures.append({"at_s": at, "call": kind, "category": category,
                                      "detail": detail[:300]})


class Api:
    """One simulated client's keep-alive connection, sending its own X-Forwarded-For."""

    def __init__(self, port: int, client_address: str, agent: str, recorder: Recorder):
        self.port, self.recorder = port, recorder
        self.headers = {"X-Forwarded-For": client_address, "User-Agent": agent}
        self.conn: http.client.HTTPConnection | None = None
        self.last_used = 0.0

    def call(self, kind: str, method: str, path: str, body: dict | None = None,
             headers: dict | None = None) -> tuple[dict, list, float] | None:
        """The JSON answer, the Set-Cookie values and the milliseconds taken, when the status is
        the expected one; otherwise the failure is recorded and None returned."""
        sent = {**self.headers, **(headers or {})}
        data = None
        if body is not None:
            data = json.dumps(body)
            sent["Content-Type"] = "application/json"
        if self.conn is not None and time.monotonic() - self.last_used > REUSE_IDLE_SECS:
            self.close()
        started = time.perf_counter()
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self.conn.request(method, path, data, sent)
            resp = self.conn.getresponse()
            raw = resp.read()
        except (OSError, http.client.HTTPException) as e:
            self.close()
            self.recorder.fail(kind, "connection", f"{method} {path}: {type(e).__name__}: {e}")
            return None
        ms = (time.perf_counter() - started) * 1000
        self.last_used = time.monotonic()
        if resp.status != EXPECTED[kind]:
            category = "5xx" if resp.status >= 500 else "unexpected"
            self.recorder.fail(kind, category, f"{method} {path}: {resp.status} {raw[:200]!r}")
            return None
        try:
            answer = json.loads(raw) if raw else {}
        except ValueError:
            self.recorder.fail(kind, "unexpected", f"{method} {path}: not JSON: {raw[:200]!r}")
            return None
        cookies = [v for k, v in resp.getheaders() if k.lower() == "set-cookie"]
        return answer, cookies, ms

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def refresh_cookie(cookies: list[str]) -> str | None:
    for cookie in cookies:
        if cookie.startswith("tg_refresh=") and not cookie.startswith("tg_refresh=;"):
            return cookie.split(";", 1)[0]
    return None


class SimulatedUser(threading.Thread):
    """Account `soak<index>` with a verified address, from client address 10.66.x.y."""

    def __init__(self, index: int, users: int, port: int, recorder: Recorder, outbox: Outbox,
                 pace: float, reset_secs: float, stop: threading.Event):
        super().__init__(name=f"user-{index}", daemon=True)
        self.index, self.users = index, users
        self.recorder, self.outbox, self.stop = recorder, outbox, stop
        self.username = f"soak{index}"
        self.email = f"soak{index}@soak.example.com"
        self.generation = 0
        self.password = self.password_of(0)
        address = f"10.66.{index // 250}.{index % 250 + 1}"
        self.api = Api(port, address, f"tokengate-soak/1 (user {index})", recorder)
        self.pace = pace
        cycle_secs = len(CYCLE) * pace
        self.reset_every = max(1, math.ceil(reset_secs / cycle_secs))
        self.token: str | None = None
        self.cookie: str | None = None
        self.next_at = 0.0
        self.reset_asked = 0.0
        self.reset_token = ""

    def password_of(self, generation: int) -> str:
        return f"soak {self.username} passphrase {generation}"

    # -- seeding ----------------------------------------------------------------------------

    def sign_up(self) -> bool:
        """The account through the API, and its address verified by the link mailed to it."""
        body = {"username": self.username, "password": self.password, "email": self.email}
        if self.api.call("signup", "POST", "/api/auth/signup", body) is None:
            return False
        link = self.outbox.wait(self.email, "verify", MAIL_TIMEOUT_SECS)
        if link is None:
            self.recorder.fail("verify_email", "unexpected", f"no verification mail for {self.email}")
            return False
        answer = self.api.call("verify_email", "POST", "/api/auth/verify-email", {"token": link[0]})
        return answer is not None

    # -- the cycle --------------------------------------------------------------------------

    def run(self) -> None:
        # Users start evenly spread over one cycle, so that their logins (and every other step)
        # come at an even rate rather than all in the same pace interval; resets spread over
        # the cycles.
        cycle_secs = len(CYCLE) * self.pace
        self.next_at = time.monotonic() + cycle_secs * self.index / self.users
        cycle = 0
        while not self.stop.is_set():
            steps = CYCLE
            if cycle > 0 and (cycle + self.index) % self.reset_every == 0:
                steps = RESET + CYCLE
            for step in steps:
                if step != "reset_mail" and not self.wait_turn():
                    break
                if not getattr(self, step)():
                    self.token = self.cookie = None
                    break  # start again with a login
            cycle += 1
        self.api.close()

    def wait_turn(self) -> bool:
        now = time.monotonic()
        if now - self.next_at > 1.0:
            self.next_at = now
        if self.next_at > now and self.stop.wait(self.next_at - now):
            return False
        self.next_at += self.pace
        return not self.stop.is_set()

    def session_from(self, kind: str, result) -> bool:
        if result is None:
            return False
        answer, cookies, ms = result
        cookie = refresh_cookie(cookies)
        if not answer.get("access_token") or cookie is None:
            self.recorder.fail(kind, "unexpected", f"no access token or refresh cookie: {answer}")
            return False
        self.token, self.cookie = answer["access_token"], cookie
        self.recorder.ok(kind, ms)
        return True

    def login(self) -> bool:
        body = {"username": self.username, "password": self.password}
        return self.session_from("login", self.api.call("login", "POST", "/api/auth/login", body))

    def refresh(self) -> bool:
        result = self.api.call("refresh", "POST", "/api/auth/refresh", {},
                               {"Cookie": self.cookie or ""})
        return self.session_from("refresh", result)

    def bearer(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}

    def me(self) -> bool:
        result = self.api.call("me", "GET", "/api/me", headers=self.bearer())
        if result is None:
            return False
        if result[0].get("username") != self.username:
            self.recorder.fail("me", "unexpected", f"/api/me answered {result[0]}")
            return False
        self.recorder.ok("me", result[2])
        return True

    def sessions(self) -> bool:
        result = self.api.call("sessions", "GET", "/api/auth/sessions", headers=self.bearer())
        if result is None:
            return False
        listed = result[0]
        if not isinstance(listed, list) or not any(s.get("current") for s in listed):
            self.recorder.fail("sessions", "unexpected", f"no current session in {listed!r:.200}")
            return False
        self.recorder.ok("sessions", result[2])
        return True

    def reset_request(self) -> bool:
        self.outbox.drain(self.email, "reset")  # a link that came after an earlier timeout
        self.reset_asked = time.monotonic()
        result = self.api.call("reset_request", "POST", "/api/auth/password-reset",
                               {"email": self.email})
        if result is None:
            return False
        self.recorder.ok("reset_request", result[2])
        return True

    def reset_mail(self) -> bool:
        link = self.outbox.wait(self.email, "reset", MAIL_TIMEOUT_SECS)
        if link is None:
            self.recorder.fail("reset_mail", "unexpected",
                               f"no reset mail for {self.email} within {MAIL_TIMEOUT_SECS} s")
            return False
        self.reset_token = link[0]
        self.recorder.ok("reset_mail", (link[1] - self.reset_asked) * 1000)
        return True

    def reset_confirm(self) -> bool:
        new_password = self.password_of(self.generation + 1)
        body = {"token": self.reset_token, "new_password": new_password}
        result = self.api.call("reset_confirm", "POST", "/api/auth/password-reset/confirm", body)
        if result is None:
            return False
        self.generation += 1
        self.password = new_password
        return self.session_from("reset_confirm", result)
