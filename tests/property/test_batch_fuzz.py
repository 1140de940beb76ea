"""Fuzz `solver batch` input: single lines through parse_line, and whole streams through the
batch loop with a FakeEngine (no chain), real intent parsing and real JSON output.

parse_line either returns well-typed fields or raises UsageError (exit 2). The loop writes
exactly one JSON object per non-empty input line, in order, each carrying the line's id;
failures are ok=false lines with the exit code of their class. An exit-1 line (an exception
the loop didn't expect) is a bug, and so is any exception out of the loop.
"""

from __future__ import annotations

import asyncio
import io
import os
import sys

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver.commands import batch
from solver.config import ChainConfig, Config, Defaults, TokenConfig
from solver.errors import NoRouteError, RpcError, UsageError

EXAMPLES = int(os.environ.get("SOLVER_FUZZ_EXAMPLES", "600"))
WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
CHAIN = ChainConfig(name="devnet", chain_id=31337, rpc_urls=("http://127.0.0.1:1",),
                    multicall3="0xcA11bde05977b3631167028862bE2a173976CA11",
                    wrapped_native=WETH, router="0x68b3465833fb72A70ecDF485E0e4C7bD8665Fc45",
                    tokens=(TokenConfig("WETH", WETH, 18), TokenConfig("USDC", USDC, 6)))
CONFIG = Config(path=None, defaults=Defaults(), chains={"devnet": CHAIN})

INTENTS = ["swap 1 WETH for USDC", "buy 100 USDC with WETH", "swap 1 WETH for USDX",
           "sell 5% of my WETH for USDC", "swap 0 WETH for USDC", "swap WETH", "", "  ",
           "swap 1 WETH for USDC on mainnet", "swap 1e400 WETH for USDC", "swap -1 WETH for USDC"]
KEYS = ["id", "intent", "command", "from", "explain", "extra"]
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-2**63, 2**63 - 1), st.text(max_size=30),
              st.sampled_from(INTENTS + ["quote", "parse", "swap", "0x" + "ab" * 20])),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.sampled_from(KEYS), inner, max_size=3)),
    max_leaves=8)
objects = st.dictionaries(st.sampled_from(KEYS), json_values, max_size=6)
near_valid = st.fixed_dictionaries({"intent": st.sampled_from(INTENTS)}, optional={
    "id": json_values, "command": st.one_of(st.sampled_from(["quote", "parse"]), json_values),
    "from": st.one_of(st.none(), st.sampled_from(["0x" + "ab" * 20, "0xnope"]), json_values),
    "explain": json_values})
json_lines = st.one_of(objects, near_valid).map(lambda o: orjson.dumps(o).decode())
text_lines = st.one_of(st.sampled_from(INTENTS), st.text(max_size=60).filter(lambda t: "\n" not in t))
raw_lines = st.one_of(text_lines, json_lines, st.sampled_from(["{", "{}", "[]", "{\"id\": 1", "null",
                                                               "{\"intent\": \"swap 1 WETH for USDC\"}"]))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(raw_lines, st.integers(1, 10**6))
def test_parse_line_returns_typed_fields_or_usage_error(line, number):
    try:
        line_id, command, text, options = batch.parse_line(line, number)
    except UsageError as err:
        assert err.exit_code == 2 and "\n" not in err.message
        return
    assert isinstance(line_id, (int, str)) and not isinstance(line_id, bool)
    assert command in batch.COMMANDS
    assert isinstance(text, str)
    assert options["from"] is None or isinstance(options["from"], str)
    assert isinstance(options["explain"], bool)
    if line.strip().startswith("{"):
        obj = orjson.loads(line)
        assert text == obj["intent"] and text.strip()
        assert options["explain"] is (obj.get("explain") is True)


class FakeEngine:
    def __init__(self, chain, defaults) -> None:
        self.closed = False

    async def close(self) -> None:
        self.closed = True


OUTCOMES = ["ok", "no_route", "rpc"]


def run_loop(lines: list[str], outcomes: list[str], monkeypatch) -> list[dict]:
    """The real batch loop on `lines`, with quoting faked; its stdout, parsed."""
    import solver.commands.quote as quote_cmd
    import solver.engine as engine_mod
    import solver.quote as quote_mod

    served = iter(outcomes * (len(lines) + 1))

    async def fake_produce_quote(engine, intent, *, sender, explain, max_age_s=0.0):
        outcome = next(served)
        if outcome == "no_route":
            raise NoRouteError("no pool", code="no_route")
        if outcome == "rpc":
            raise RpcError("RPC failed after 4 attempt(s)")
        return {"amount": str(intent.amount)}, None

    monkeypatch.setattr(engine_mod, "QuoteEngine", FakeEngine)
    monkeypatch.setattr(quote_cmd, "produce_quote", fake_produce_quote)
    monkeypatch.setattr(quote_mod, "quote_to_json",
                        lambda quote, *, tx=None, explain=False: {"ok": True, **quote})
    out = io.BytesIO()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(out, encoding="utf-8"))
    asyncio.run(batch._batch(CONFIG, CHAIN, io.StringIO("".join(line + "\n" for line in lines))))
    sys.stdout.flush()
    return [orjson.loads(line) for line in out.getvalue().splitlines()]


@settings(max_examples=max(EXAMPLES // 3, 100), deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(raw_lines, max_size=8), st.lists(st.sampled_from(OUTCOMES), min_size=1, max_size=3))
def test_the_batch_loop_answers_every_line_in_order(lines, outcomes):
    from _pytest.monkeypatch import MonkeyPatch

    with MonkeyPatch.context() as monkeypatch:
        answers = run_loop(lines, outcomes, monkeypatch)
    kept = [(n, line) for n, line in enumerate(lines, start=1) if line.strip()]
    assert len(answers) == len(kept)
    for (number, line), answer in zip(kept, answers):
        assert set(answer) >= {"ok", "id"}
        if answer["ok"]:
            continue
        error = answer["error"]
        assert error["exit_code"] in (2, 3, 4), f"{line!r} -> {error}"
        assert "\n" not in error["message"]
        if not line.strip().startswith("{"):
            assert answer["id"] == number
