"""`solver batch`: JSON Lines in, JSON Lines out, one warm process.

Input lines are plain intent text, or {"id": ..., "intent": "...", "command": "quote",
"from": "0x..."(optional), "explain": false}. Every output line is one JSON object carrying
the line's `id` (for plain text lines: the 1-based line number), written in input order.
A bad line gets its own {"ok": false, "id": ..., "error": {...}} and the rest go on.
The market is re-read only when a new block appears (checked at most every 250 ms).
"""

from __future__ import annotations

import sys
from typing import Any

import orjson

from solver.context import AppContext
from solver.errors import InternalError, SolverError, UsageError

COMMANDS = ("quote", "parse")


def parse_line(line: str, number: int) -> tuple[Any, str, str, dict]:
    """(id, command, intent text, options) for one input line; raises UsageError."""
    text = line.strip()
    if not text.startswith("{"):
        return number, "quote", text, {"from": None, "explain": False}
    try:
        obj = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise UsageError(f"line {number} is not valid JSON: {exc}", code="bad_batch_line") from None
    if not isinstance(obj, dict):
        raise UsageError(f"line {number}: expected a JSON object", code="bad_batch_line")
    line_id = obj.get("id", number)
    if not isinstance(line_id, (str, int)) or isinstance(line_id, bool):
        raise _with_id(UsageError("'id' must be a string or an integer", code="bad_batch_line"), number)
    command = obj.get("command", "quote")
    intent = obj.get("intent")
    if command not in COMMANDS:
        raise _with_id(UsageError(f"unknown command {command!r}", hint="use quote or parse",
                                  code="bad_batch_line"), line_id)
    if not isinstance(intent, str) or not intent.strip():
        raise _with_id(UsageError("missing 'intent' (a string)", code="bad_batch_line"), line_id)
    extra = set(obj) - {"id", "command", "intent", "from", "explain"}
    if extra:
        raise _with_id(UsageError(f"unknown field(s): {', '.join(sorted(extra))}",
                                  code="bad_batch_line"), line_id)
    sender = obj.get("from")
    if sender is not None and not isinstance(sender, str):
        raise _with_id(UsageError("'from' must be an address string", code="bad_batch_line"), line_id)
    explain = obj.get("explain")
    if explain is not None and not isinstance(explain, bool):  # "no" must not mean yes
        raise _with_id(UsageError("'explain' must be true or false", code="bad_batch_line"), line_id)
    return line_id, command, intent, {"from": sender, "explain": bool(explain)}


def _with_id(err: SolverError, line_id: Any) -> SolverError:
    err.line_id = line_id
    return err


def error_line(err: SolverError, line_id: Any) -> dict:
    out = err.to_json()
    return {"ok": False, "id": line_id, "error": out["error"]}


def run_batch(ctx: AppContext, *, stream=None) -> None:
    from solver.rpc import run

    config, chain = ctx.config, ctx.chain  # may start the devnet: do it outside the loop
    run(_batch(config, chain, stream or sys.stdin))


async def _batch(config, chain, stream) -> None:
    from solver.commands.quote import parse_sender, produce_quote
    from solver.engine import HEAD_TTL_S, QuoteEngine
    from solver.intent import parse_intent
    from solver.quote import quote_to_json
    from solver.tokens import TokenBook

    book = TokenBook.from_chain(chain)
    engine = QuoteEngine(chain, config.defaults)
    write = sys.stdout.buffer.write
    try:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            line_id: Any = number
            try:
                line_id, command, text, options = parse_line(line, number)
                intent = parse_intent(text, tokens=book, defaults=config.defaults,
                                      chains=tuple(config.chains))
                if intent.chain and intent.chain != chain.name:
                    raise UsageError(f"batch runs on chain {chain.name!r}; this line asks for "
                                     f"{intent.chain!r}", hint="run one batch per chain",
                                     code="chain_mismatch")
                if command == "parse":
                    out = {"ok": True, "schema": "solver.intent/1", "intent": intent.to_json()}
                else:
                    sender = parse_sender(options["from"])
                    quote, tx = await produce_quote(engine, intent, sender=sender,
                                                    explain=options["explain"],
                                                    max_age_s=HEAD_TTL_S)
                    out = quote_to_json(quote, tx=tx, explain=options["explain"])
                out = {"id": line_id, **out}
            except SolverError as err:
                out = error_line(err, getattr(err, "line_id", line_id))
            except Exception as exc:  # one bad line must not end the batch
                out = error_line(InternalError(f"unexpected {type(exc).__name__}: {exc}"), line_id)
            write(orjson.dumps(out) + b"\n")
            sys.stdout.flush()
    finally:
        await engine.close()
