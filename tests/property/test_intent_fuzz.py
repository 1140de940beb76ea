"""Fuzzing: every input is either parsed or refused with exit 2. Never another exception.

The default run generates about 10,000 inputs; SOLVER_FUZZ_EXAMPLES scales it, e.g.
SOLVER_FUZZ_EXAMPLES=100000 for a long run.
"""

from __future__ import annotations

import io
import os
import random
import sys

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver.config import Defaults
from solver.errors import IntentError, UsageError
from solver.intent import parse_intent
from solver.tokens import TokenBook

TOTAL = int(os.environ.get("SOLVER_FUZZ_EXAMPLES", "10000"))
BOOKS = {"devnet": TokenBook.builtin_mainnet(chain_name="devnet"),
         "mainnet": TokenBook.builtin_mainnet(chain_name="mainnet")}
DEFAULTS = Defaults()

VOCABULARY = (
    "swap buy sell get trade convert exchange purchase receive bridge exactly for to into -> → "
    "with using paying pay at least most limit price a of per / each slippage tolerance "
    "deadline within in expires valid hops hop max min minimum out direct single route split "
    "no don't without send it the output recipient gas gwei wei under below via through on "
    "only avoid not exclude chain network from any all half quarter worth my balance entire "
    "WETH USDC usdt DAI ETH eth WBTC cbBTC UNI LINK FOO uniswap v2 v3 uniswap-v3 univ2 uni "
    "base mainnet devnet arbitrum ethereum one two five bob vitalik.eth "
    "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2 0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2 "
    "0xC02AAA39b223FE8D0A0e5C4F27eAD9083C756Cc2 0x0000000000000000000000000000000000000000 "
    "0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045 0x1234 "
    "1 0 -1 2.5 1,500 10k 2.5m 1b .5 0.000001 1.0000000000000000001 1e18 $500 500$ 25% 100% "
    "150% 0.5% 0.001% 30bps 30 bps 30 gwei 0.5gwei 90s 5m 2 minutes 48h 1,000,000 "
    "99999999999999999999999999999999999999999999999999999999999999999999999999999999 "
    ", ; and or & . ! ? : = <= >= < ≤ ≥ % $ - ( ) \" '"
).split()

VALID = [
    "swap 2.5 WETH for USDC, max slippage 0.3%, within 2 minutes",
    "buy 0.1 WBTC with USDT paying at most 3,000 USDT",
    "swap all my ETH for DAI via uniswap-v3 only, avoid USDT, no split",
    "sell 1 WETH at a price of at least 2700 USDC per WETH, at most 2 hops, max gas 30 gwei",
    "swap $500 worth of WETH for USDC send to 0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045",
    "get exactly 1 WETH for USDC on mainnet, deadline 5m, 30 bps slippage",
]


def check(text: str) -> None:
    """Parsed or refused with exit 2; a refusal points inside (or just after) the text."""
    try:
        intent = parse_intent(text, tokens=BOOKS, defaults=DEFAULTS)
    except IntentError as err:
        assert err.exit_code == 2 and err.message and err.hint
        assert err.column is not None and 1 <= err.column <= max(len(text), 80) + 1
        err.caret_lines()
        orjson.dumps(err.to_json())
    except UsageError as err:
        assert err.exit_code == 2
    else:
        body = orjson.loads(orjson.dumps(intent.to_json()))
        assert body["kind"] in ("exact_in", "exact_out")


def salad_from_seed(seed: int) -> str:
    """A word salad built from one drawn integer: far cheaper per example than drawing each
    word, which is what lets a default run afford thousands of them."""
    rng = random.Random(seed)
    words = [rng.choice(VOCABULARY) for _ in range(rng.randint(0, 16))]
    if rng.random() < 0.5:
        words.insert(0, rng.choice(["swap", "buy", "sell", "get"]))
    return " ".join(words)


word_salad = st.integers(min_value=0, max_value=2**64).map(salad_from_seed)


@st.composite
def mutated(draw) -> str:
    words = draw(st.sampled_from(VALID)).split()
    for _ in range(draw(st.integers(1, 4))):
        edit = draw(st.sampled_from(["drop", "dup", "swap", "replace", "insert", "chars"]))
        i = draw(st.integers(0, len(words) - 1)) if words else 0
        if not words:
            words = [draw(st.sampled_from(VOCABULARY))]
        elif edit == "drop":
            del words[i]
        elif edit == "dup":
            words.insert(i, words[i])
        elif edit == "swap":
            j = draw(st.integers(0, len(words) - 1))
            words[i], words[j] = words[j], words[i]
        elif edit == "replace":
            words[i] = draw(st.sampled_from(VOCABULARY))
        elif edit == "insert":
            words.insert(i, draw(st.sampled_from(VOCABULARY)))
        else:
            words[i] = words[i] + draw(st.text(max_size=3))
    return " ".join(words)


def _share(fraction: float) -> int:
    return max(50, int(TOTAL * fraction))


@settings(max_examples=_share(0.3), deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(max_size=120))
def test_any_text(text):
    check(text)


@settings(max_examples=_share(0.4), deadline=None, suppress_health_check=list(HealthCheck))
@given(word_salad)
def test_word_salad(text):
    check(text)


@settings(max_examples=_share(0.3), deadline=None, suppress_health_check=list(HealthCheck))
@given(mutated())
def test_mutated_valid_intents(text):
    check(text)


def test_the_valid_seeds_parse():
    for text in VALID:
        parse_intent(text, tokens=BOOKS, defaults=DEFAULTS)


def run_cli(*args: str) -> tuple[int, bytes]:
    """solver.cli.main in-process with --json: (exit code, stdout bytes)."""
    from solver.cli import main

    out, err = io.BytesIO(), io.BytesIO()
    stdout = io.TextIOWrapper(out, encoding="utf-8")
    stderr = io.TextIOWrapper(err, encoding="utf-8")
    saved = sys.argv, sys.stdout, sys.stderr
    sys.argv, sys.stdout, sys.stderr = ["solver", *args], stdout, stderr
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        sys.argv, sys.stdout, sys.stderr = saved
        stdout.flush()
        stdout.detach()  # keep the BytesIO open for reading
        stderr.detach()
    return code, out.getvalue()


@pytest.fixture
def offline_home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("SOLVER_HOME", str(tmp_path / "solver"))
    monkeypatch.delenv("SOLVER_CONFIG", raising=False)


@settings(max_examples=_share(0.01), deadline=None, suppress_health_check=list(HealthCheck))
@given(st.one_of(word_salad, mutated()))
def test_cli_exit_codes_are_0_or_2(offline_home, text):
    code, stdout = run_cli("parse", text, "--json")
    assert code in (0, 2), stdout
    body = orjson.loads(stdout)
    assert body["ok"] is (code == 0)
    if code:
        assert body["error"]["exit_code"] == 2
