"""The send journal: every signed transaction is on disk before it is broadcast.

One JSON file under data_home()/journal, rewritten atomically (temp file, fsync, rename, fsync
of the directory), so a crash leaves either the old or the new version, never half of one.
An exclusive lock (flock on a side file, released by the OS if the process dies) keeps two
`solver swap --send` from running at once.

An entry is unfinished while its status is `signed` (on disk, maybe broadcast) or `broadcast`
(a node accepted it). The next send resolves unfinished entries before anything else: it looks
the hash up, and at most rebroadcasts the very same signed bytes, which have the same hash and
nonce, so they can't be mined twice.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import orjson

from solver.errors import SafetyError
from solver.paths import data_home

SIGNED = "signed"
BROADCAST = "broadcast"
MINED = "mined"
REVERTED = "reverted"
DROPPED = "dropped"      # its nonce was used by another transaction: it can never be mined
EXPIRED = "expired"      # never seen by the chain and past its deadline: it could only revert
REJECTED = "rejected"    # the node refused it outright
UNFINISHED = (SIGNED, BROADCAST)
SCHEMA = "solver.journal/1"


def journal_dir() -> Path:
    return data_home() / "journal"


@dataclass
class Entry:
    """One signed transaction. `raw_tx` is the signed bytes (public once broadcast, no key)."""

    id: str
    chain_id: int
    sender: str
    nonce: int
    kind: str            # "approve" or "swap"
    tx_hash: str
    raw_tx: str
    status: str
    created_at: float
    updated_at: float
    deadline: int | None = None
    intent: str | None = None
    quote: dict | None = None
    receipt: dict | None = None
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Entry:
        return cls(**{k: data.get(k) for k in cls.__dataclass_fields__})

    @property
    def unfinished(self) -> bool:
        return self.status in UNFINISHED


class Journal:
    """The journal file. Mutations write the whole file atomically before they return."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or journal_dir()
        self.path = self.directory / "journal.json"

    # --- reading and writing ----------------------------------------------------------

    def entries(self) -> list[Entry]:
        try:
            data = orjson.loads(self.path.read_bytes())
        except FileNotFoundError:
            return []
        except (OSError, orjson.JSONDecodeError) as exc:
            # Never guess: a journal we can't read may hold a pending tx.
            raise SafetyError(f"the send journal {self.path} is unreadable ({type(exc).__name__})",
                              hint="inspect or move the file by hand; solver won't send without it",
                              code="journal_unreadable") from None
        return [Entry.from_json(item) for item in data.get("entries", [])]

    def unfinished(self, *, chain_id: int, sender: str) -> list[Entry]:
        return [e for e in self.entries() if e.unfinished and e.chain_id == chain_id
                and e.sender.lower() == sender.lower()]

    def record(self, **fields: Any) -> Entry:
        """Add a freshly signed transaction with status `signed`."""
        now = time.time()
        entry = Entry(id=uuid.uuid4().hex, status=SIGNED, created_at=now, updated_at=now, **fields)
        entries = self.entries()
        entries.append(entry)
        self._write(entries)
        return entry

    def update(self, entry: Entry, **changes: Any) -> Entry:
        entries = self.entries()
        for index, existing in enumerate(entries):
            if existing.id == entry.id:
                for key, value in changes.items():
                    setattr(existing, key, value)
                existing.updated_at = time.time()
                entries[index] = existing
                self._write(entries)
                return existing
        raise SafetyError(f"journal entry {entry.id} vanished from {self.path}",
                          code="journal_inconsistent")

    def _write(self, entries: list[Entry]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        payload = orjson.dumps({"schema": SCHEMA, "entries": [e.to_json() for e in entries]},
                               option=orjson.OPT_INDENT_2)
        write_atomic(self.path, payload)

    # --- the send lock ----------------------------------------------------------------

    @contextlib.contextmanager
    def send_lock(self) -> Iterator[None]:
        """Held for a whole send; a second one refuses at once rather than queueing a trade."""
        self.directory.mkdir(parents=True, exist_ok=True)
        handle = open(self.directory / "send.lock", "a+")
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise SafetyError("another `solver swap --send` is in flight",
                                  hint="wait for it to finish; two sends at once could both trade",
                                  code="send_in_flight") from None
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\n")
            handle.flush()
            yield
        finally:
            with contextlib.suppress(OSError):
                fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()


def write_atomic(path: Path, payload: bytes) -> None:
    """Write `payload` to `path` so that a crash leaves the old or the new file, whole."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        view = memoryview(payload)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
