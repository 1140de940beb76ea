"""solver.journal: atomic writes, the send lock, and the unfinished-entry bookkeeping."""

from __future__ import annotations

import multiprocessing
import os

import pytest

from solver.errors import SafetyError
from solver.journal import BROADCAST, MINED, SIGNED, Journal, write_atomic

SENDER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def record(journal, nonce=0, **kw):
    fields = dict(chain_id=31337, sender=SENDER, nonce=nonce, kind="swap", tx_hash=f"0x{nonce:064x}",
                  raw_tx="0x02f8", deadline=2_000_000_000, intent="swap 1 ETH for USDC", quote={"ok": True})
    fields.update(kw)
    return journal.record(**fields)


def test_record_update_and_reload(tmp_path):
    journal = Journal(tmp_path)
    entry = record(journal)
    assert entry.status == SIGNED
    assert [e.tx_hash for e in Journal(tmp_path).unfinished(chain_id=31337, sender=SENDER.lower())] == [entry.tx_hash]
    journal.update(entry, status=BROADCAST)
    assert Journal(tmp_path).entries()[0].status == BROADCAST
    journal.update(entry, status=MINED, receipt={"status": 1})
    reloaded = Journal(tmp_path).entries()[0]
    assert reloaded.status == MINED and reloaded.receipt == {"status": 1}
    assert Journal(tmp_path).unfinished(chain_id=31337, sender=SENDER) == []


def test_unfinished_is_per_chain_and_sender(tmp_path):
    journal = Journal(tmp_path)
    record(journal, nonce=1)
    record(journal, nonce=2, chain_id=1)
    record(journal, nonce=3, sender="0x" + "ab" * 20)
    assert [e.nonce for e in journal.unfinished(chain_id=31337, sender=SENDER)] == [1]


def test_file_is_private_and_has_no_temp_leftovers(tmp_path):
    journal = Journal(tmp_path)
    record(journal)
    assert oct(journal.path.stat().st_mode & 0o777) == "0o600"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["journal.json"]


def test_unreadable_journal_refuses(tmp_path):
    journal = Journal(tmp_path)
    journal.path.write_text("{not json")
    with pytest.raises(SafetyError) as info:
        journal.entries()
    assert info.value.exit_code == 7


def test_atomic_write_replaces_whole_file(tmp_path):
    target = tmp_path / "f.json"
    write_atomic(target, b"old")
    write_atomic(target, b"new contents")
    assert target.read_bytes() == b"new contents"


def _hold_lock(directory, ready, release):
    with Journal(directory).send_lock():
        ready.set()
        release.wait(10)


def test_second_sender_is_refused_while_one_holds_the_lock(tmp_path):
    ctx = multiprocessing.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(tmp_path, ready, release))
    holder.start()
    try:
        assert ready.wait(10)
        with pytest.raises(SafetyError) as info:
            with Journal(tmp_path).send_lock():
                pass
        assert info.value.code == "send_in_flight"
    finally:
        release.set()
        holder.join(10)
    with Journal(tmp_path).send_lock():  # free again once the holder is gone
        pass


def test_lock_is_released_when_the_holder_dies(tmp_path):
    ctx = multiprocessing.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(tmp_path, ready, release))
    holder.start()
    assert ready.wait(10)
    os.kill(holder.pid, 9)
    holder.join(10)
    with Journal(tmp_path).send_lock():
        pass
