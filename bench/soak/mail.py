"""The outbox reader: without TOKENGATE_SMTP_URL the server writes each mail as an `.eml` file
into <data dir>/outbox/. One thread reads every file, hands the links to the simulated user they
were sent to, and deletes the file, so the folder stays as small as the mail in flight."""

from __future__ import annotations

import email
import email.policy
import queue
import re
import threading
import time
from collections import Counter
from pathlib import Path

LINKS = {
    "reset": re.compile(r"/reset-password\?token=([A-Za-z0-9_-]{43})"),
    "verify": re.compile(r"/verify-email\?token=([A-Za-z0-9_-]{43})"),
}
POLL_SECS = 0.02
# A file without its closing MIME boundary is taken as still being written until it is this old;
# then it is read as it is (and counted "unreadable" if it has no recipient or text).
PARTIAL_GRACE_SECS = 2.0


class Outbox(threading.Thread):
    """Reads `<dir>/*.eml` until stopped. `wait(address, kind)` returns the token of the next
    link of that kind ("reset", "verify") sent to the address, and when the file was seen."""

    def __init__(self, directory: Path):
        super().__init__(name="outbox", daemon=True)
        self.directory = directory
        self.stopped = threading.Event()
        self.lock = threading.Lock()
        self.boxes: dict[tuple[str, str], queue.Queue] = {}
        self.kinds = Counter()  # mails read, by kind ("reset", "verify", "notice", "unreadable")
        self.partial_reads = 0  # files found half-written (read again later)

    def box(self, address: str, kind: str) -> queue.Queue:
        with self.lock:
            return self.boxes.setdefault((address.lower(), kind), queue.Queue())

    def wait(self, address: str, kind: str, timeout: float) -> tuple[str, float] | None:
        try:
            return self.box(address, kind).get(timeout=timeout)
        except queue.Empty:
            return None

    def drain(self, address: str, kind: str) -> None:
        box = self.box(address, kind)
        while not box.empty():
            box.get_nowait()

    def files_left(self) -> int:
        try:
            return sum(1 for p in self.directory.iterdir() if p.suffix == ".eml")
        except FileNotFoundError:
            return 0

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=5)

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                files = [p for p in self.directory.iterdir() if p.suffix == ".eml"]
            except FileNotFoundError:
                files = []
            for path in files:
                self.read(path)
            self.stopped.wait(POLL_SECS)

    def read(self, path: Path) -> None:
        try:
            raw = path.read_bytes()
            age = time.time() - path.stat().st_mtime
        except FileNotFoundError:
            return
        seen = time.monotonic()
        message = email.message_from_bytes(raw, policy=email.policy.default)
        boundary = message.get_boundary()
        # The file is written in place, not renamed into the folder: until its closing MIME
        # boundary is there, it may still be being written (every mail is multipart/alternative).
        complete = boundary is not None and f"--{boundary}--".encode() in raw
        if not complete and age < PARTIAL_GRACE_SECS:
            if raw:
                self.partial_reads += 1
            return
        path.unlink(missing_ok=True)
        to = str(message.get("To", "")).strip().lower()
        body = message.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        if not to or not text:
            self.kinds["unreadable"] += 1
            return
        for kind, pattern in LINKS.items():
            found = pattern.search(text)
            if found:
                self.kinds[kind] += 1
                self.box(to, kind).put((found.group(1), seen))
                return
        self.kinds["notice"] += 1
