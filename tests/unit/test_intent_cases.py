"""Table-driven: each phrasing and the exact constraint set (the full JSON intent) it becomes."""

from __future__ import annotations

import pytest

from solver.config import Defaults
from solver.intent import parse_intent
from solver.tokens import TokenBook

WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
USDT = "0xdAC17F958D2ee523a2206206994597C13D831ec7"
WBTC = "0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2C599"
DAI = "0x6B175474E89094C44Da98b954EedeAC495271d0F"
LINK = "0x514910771AF9Ca656af840dff83E8264EcF986CA"
CBBTC = "0xcbB7C0000aB88B473b1f5aFd9ef808440eed33Bf"
UNI = "0x1f9840a85d5aF5bf1D1762F925BDADdC4201F984"
VITALIK = "0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045"
E18 = 10**18

BOOKS = {"devnet": TokenBook.builtin_mainnet(chain_name="devnet"),
         "mainnet": TokenBook.builtin_mainnet(chain_name="mainnet")}
DEFAULTS = Defaults(chain="devnet", slippage_bps=50, deadline_s=300, max_hops=3)

BASE = {"kind": "exact_in", "sell": WETH, "buy": USDC, "amount": str(E18), "slippage_bps": 50,
        "deadline_s": 300, "min_amount_out": None, "max_hops": 3, "allow_protocols": None,
        "deny_protocols": [], "avoid_tokens": [], "recipient": None, "max_gas_price_wei": None,
        "split": True, "max_amount_in": None, "amount_spec": None, "native_in": False,
        "native_out": False, "limit_price": None, "chain": "devnet"}


def want(**changes) -> dict:
    unknown = set(changes) - set(BASE)
    assert not unknown, unknown
    return {**BASE, **{k: (str(v) if isinstance(v, int) and not isinstance(v, bool)
                           and k in ("amount", "min_amount_out", "max_amount_in",
                                     "max_gas_price_wei") else v)
                       for k, v in changes.items()}}


def out(**changes) -> dict:
    """An exact-output intent: by default buy 1 WETH with USDC."""
    return want(**{"kind": "exact_out", "sell": USDC, "buy": WETH, **changes})


def balance(bps: int) -> dict:
    return {"kind": "balance", "fraction_bps": bps}


def notional(quote: str, amount: int, currency: str | None = None) -> dict:
    return {"kind": "notional", "quote_token": quote, "amount": str(amount), "currency": currency}


def limit(quote: str, base: str, price: str, bound: str, num: int, den: int) -> dict:
    return {"quote_token": quote, "base_token": base, "price": price, "bound": bound,
            "ratio": {"numerator": str(num), "denominator": str(den)}}


USDC_PER_WETH_2700 = limit(USDC, WETH, "2700", "min", 27, 10**10)
USDC_PER_WETH_2800_MAX = limit(USDC, WETH, "2800", "max", 7, 25 * 10**8)

CASES = [
    # --- exact input: verbs, connectors, case, filler -------------------------------
    ("swap 2.5 WETH for USDC", want(amount=25 * 10**17)),
    ("trade 2.5 WETH to USDC", want(amount=25 * 10**17)),
    ("convert 2.5 WETH into USDC", want(amount=25 * 10**17)),
    ("exchange 2.5 WETH for USDC", want(amount=25 * 10**17)),
    ("sell 2.5 WETH for USDC", want(amount=25 * 10**17)),
    ("SWAP 2.5 weth FOR usdc", want(amount=25 * 10**17)),
    ("Swap 2.5 Weth To Usdc", want(amount=25 * 10**17)),
    ("swap 2.5 WETH -> USDC", want(amount=25 * 10**17)),
    ("swap 2.5 WETH → USDC", want(amount=25 * 10**17)),
    ("please swap 2.5 WETH for USDC", want(amount=25 * 10**17)),
    ("swap exactly 2.5 WETH for USDC", want(amount=25 * 10**17)),
    ("swap 2.5 WETH for USDC.", want(amount=25 * 10**17)),
    ("  swap   2.5\tWETH\nfor USDC  ", want(amount=25 * 10**17)),
    ("swap 1 WETH for DAI", want(buy=DAI)),
    ("swap 1 UNI for LINK", want(sell=UNI, buy=LINK)),
    ("swap 100 LINK for UNI", want(sell=LINK, buy=UNI, amount=100 * E18)),
    # --- amounts ------------------------------------------------------------------------
    ("swap 1,500 USDC for WETH", want(sell=USDC, buy=WETH, amount=1500 * 10**6)),
    ("swap 10k USDC for WETH", want(sell=USDC, buy=WETH, amount=10_000 * 10**6)),
    ("swap 10K USDC for WETH", want(sell=USDC, buy=WETH, amount=10_000 * 10**6)),
    ("swap 2.5m USDC for WETH", want(sell=USDC, buy=WETH, amount=2_500_000 * 10**6)),
    ("swap 2.5M USDC for WETH", want(sell=USDC, buy=WETH, amount=2_500_000 * 10**6)),
    ("swap 1b USDT for DAI", want(sell=USDT, buy=DAI, amount=10**9 * 10**6)),
    ("swap 0.000001 WETH for USDC", want(amount=10**12)),
    ("swap 1.5k DAI for USDC", want(sell=DAI, amount=1500 * E18)),
    ("swap 1,500.25 USDC for WETH", want(sell=USDC, buy=WETH, amount=1_500_250_000)),
    ("swap .5 WETH for USDC", want(amount=5 * 10**17)),
    ("swap 0.00000001 WBTC for USDC", want(sell=WBTC, amount=1)),
    ("swap 0.000000000000000001 WETH for USDC", want(amount=1)),
    ("swap 1.000000 USDC for WETH", want(sell=USDC, buy=WETH, amount=10**6)),
    # --- balance amounts ------------------------------------------------------------------
    ("swap all my WETH for USDC", want(amount=None, amount_spec=balance(10_000))),
    ("swap all of my WETH for USDC", want(amount=None, amount_spec=balance(10_000))),
    ("sell all WETH for USDC", want(amount=None, amount_spec=balance(10_000))),
    ("sell half my WETH for USDC", want(amount=None, amount_spec=balance(5_000))),
    ("sell half of my WETH for USDC", want(amount=None, amount_spec=balance(5_000))),
    ("swap 25% of my WETH for USDC", want(amount=None, amount_spec=balance(2_500))),
    ("swap 25% WETH to USDC", want(amount=None, amount_spec=balance(2_500))),
    ("swap 12.5% of my WETH for USDC", want(amount=None, amount_spec=balance(1_250))),
    ("swap 100% of my WETH for USDC", want(amount=None, amount_spec=balance(10_000))),
    ("swap a quarter of my WETH for USDC", want(amount=None, amount_spec=balance(2_500))),
    ("swap my entire WETH balance for USDC", want(amount=None, amount_spec=balance(10_000))),
    ("swap 0.01% of my WETH for USDC", want(amount=None, amount_spec=balance(1))),
    ("buy WETH with all my USDC", want(sell=USDC, buy=WETH, amount=None,
                                       amount_spec=balance(10_000))),
    # --- notional amounts -----------------------------------------------------------------
    ("swap $500 worth of WETH for USDC",
     want(amount=None, amount_spec=notional(USDC, 500 * 10**6, "USD"))),
    ("swap $500 of WETH for USDC", want(amount=None, amount_spec=notional(USDC, 500 * 10**6, "USD"))),
    ("swap $1.5k worth of WETH for USDC",
     want(amount=None, amount_spec=notional(USDC, 1500 * 10**6, "USD"))),
    ("swap 500$ of WETH for USDC", want(amount=None, amount_spec=notional(USDC, 500 * 10**6, "USD"))),
    ("swap 500 usd worth of WETH for DAI",
     want(buy=DAI, amount=None, amount_spec=notional(USDC, 500 * 10**6, "USD"))),
    ("swap 500 USDC worth of WETH for DAI",
     want(buy=DAI, amount=None, amount_spec=notional(USDC, 500 * 10**6))),
    ("swap 500 USDT worth of WETH for USDC",
     want(amount=None, amount_spec=notional(USDT, 500 * 10**6))),
    ("swap 0.01 WBTC worth of WETH for USDC",
     want(amount=None, amount_spec=notional(WBTC, 10**6))),
    ("buy $500 worth of WBTC with USDT",
     out(sell=USDT, buy=WBTC, amount=None, amount_spec=notional(USDC, 500 * 10**6, "USD"))),
    ("buy 500 DAI worth of WETH with USDC",
     out(amount=None, amount_spec=notional(DAI, 500 * E18))),
    ("swap $500 worth of USDC for WETH", want(sell=USDC, buy=WETH, amount=500 * 10**6)),
    # --- exact output ---------------------------------------------------------------------
    ("buy 0.1 WBTC with USDT", out(sell=USDT, buy=WBTC, amount=10**7)),
    ("buy 0.1 WBTC using USDT", out(sell=USDT, buy=WBTC, amount=10**7)),
    ("buy exactly 0.1 WBTC with USDT", out(sell=USDT, buy=WBTC, amount=10**7)),
    ("buy 0.1 WBTC paying with USDT", out(sell=USDT, buy=WBTC, amount=10**7)),
    ("buy 0.1 WBTC, pay with USDT", out(sell=USDT, buy=WBTC, amount=10**7)),
    ("purchase 0.1 WBTC with USDC", out(buy=WBTC, amount=10**7)),
    ("get exactly 1 WETH for USDC", out(amount=E18)),
    ("get 1 WETH for USDC", out(amount=E18)),
    ("receive exactly 1 WETH for USDC", out(amount=E18)),
    ("buy 1 WETH, paying in USDC", out(amount=E18)),
    ("swap USDC for exactly 1 WETH", out(amount=E18)),
    ("swap USDC for 1 WETH", out(amount=E18)),
    ("BUY 1 weth WITH usdc", out(amount=E18)),
    # --- exact input phrased as a purchase ----------------------------------------------
    ("buy WBTC with 1000 USDT", want(sell=USDT, buy=WBTC, amount=1000 * 10**6)),
    ("get WETH for 1000 USDC", want(sell=USDC, buy=WETH, amount=1000 * 10**6)),
    # --- tokens ---------------------------------------------------------------------------
    ("swap 1 weth for usdc", want()),
    ("swap 1 cbbtc for wbtc", want(sell=CBBTC, buy=WBTC, amount=10**8)),
    ("swap 1 CBBTC for WBTC", want(sell=CBBTC, buy=WBTC, amount=10**8)),
    (f"swap 1 {WETH} for USDC", want()),
    (f"swap 1 {WETH.lower()} for usdc", want()),
    (f"swap 1 WETH for {USDC.lower()}", want()),
    (f"swap 1 WETH for {USDC}", want()),
    # --- native ETH -----------------------------------------------------------------------
    ("swap 1 ETH for USDC", want(native_in=True)),
    ("swap 1 eth for usdc", want(native_in=True)),
    ("swap 3000 USDC for ETH", want(sell=USDC, buy=WETH, amount=3000 * 10**6, native_out=True)),
    ("buy 1 ETH with USDC", out(native_out=True)),
    ("buy 1000 USDC with ETH", out(sell=WETH, buy=USDC, amount=1000 * 10**6, native_in=True)),
    ("sell all my ETH for DAI", want(buy=DAI, amount=None, amount_spec=balance(10_000),
                                     native_in=True)),
    # --- slippage -------------------------------------------------------------------------
    ("swap 1 WETH for USDC, slippage 0.3%", want(slippage_bps=30)),
    ("swap 1 WETH for USDC max slippage 30 bps", want(slippage_bps=30)),
    ("swap 1 WETH for USDC 0.5% slippage", want(slippage_bps=50)),
    ("swap 1 WETH for USDC with 1% slippage", want(slippage_bps=100)),
    ("swap 1 WETH for USDC slippage of 0.25%", want(slippage_bps=25)),
    ("swap 1 WETH for USDC slippage tolerance 2%", want(slippage_bps=200)),
    ("swap 1 WETH for USDC slippage: 1%", want(slippage_bps=100)),
    ("swap 1 WETH for USDC slippage=10bps", want(slippage_bps=10)),
    ("swap 1 WETH for USDC slippage <= 0.1%", want(slippage_bps=10)),
    ("swap 1 WETH for USDC slippage at most 0.2%", want(slippage_bps=20)),
    ("swap 1 WETH for USDC 0.5% max slippage", want(slippage_bps=50)),
    ("swap 1 WETH for USDC slippage 0%", want(slippage_bps=0)),
    ("swap 1 WETH for USDC 25 basis points slippage", want(slippage_bps=25)),
    ("swap 1 WETH for USDC slippage 99.99%", want(slippage_bps=9999)),
    ("swap 1 WETH for USDC 1 bp slippage", want(slippage_bps=1)),
    ("max slippage 0.3% swap 1 WETH for USDC", want(slippage_bps=30)),
    # --- minimum out, limit price, maximum in ------------------------------------------------
    ("swap 1 WETH for at least 2,700 USDC", want(min_amount_out=2700 * 10**6)),
    ("swap 1 WETH for USDC for at least 2700 USDC", want(min_amount_out=2700 * 10**6)),
    ("swap 1 WETH for USDC, at least 2700 USDC", want(min_amount_out=2700 * 10**6)),
    ("swap 1 WETH for USDC receive at least 2700 USDC", want(min_amount_out=2700 * 10**6)),
    ("swap 1 WETH for USDC min out 2700 USDC", want(min_amount_out=2700 * 10**6)),
    ("swap 1 WETH for USDC minimum 2700", want(min_amount_out=2700 * 10**6)),
    ("swap 1 WETH for USDC no less than 2.7k USDC", want(min_amount_out=2700 * 10**6)),
    ("sell 1 WETH, get at least 2700 USDC", want(min_amount_out=2700 * 10**6)),
    ("swap 1 WETH for USDC at least 2700 USDC, at least 2750 USDC",
     want(min_amount_out=2750 * 10**6)),
    ("swap 1 WETH for USDC at a price of at least 2700 USDC per WETH",
     want(min_amount_out=2700 * 10**6, limit_price=USDC_PER_WETH_2700)),
    ("swap 2 WETH for USDC at a price of at least 2700 USDC per WETH",
     want(amount=2 * E18, min_amount_out=5400 * 10**6, limit_price=USDC_PER_WETH_2700)),
    ("swap 1 WETH for USDC limit 2700", want(min_amount_out=2700 * 10**6,
                                              limit_price=USDC_PER_WETH_2700)),
    ("swap 1 WETH for USDC limit price 2700", want(min_amount_out=2700 * 10**6,
                                                    limit_price=USDC_PER_WETH_2700)),
    ("swap 1 WETH for USDC limit 2700 USDC per WETH",
     want(min_amount_out=2700 * 10**6, limit_price=USDC_PER_WETH_2700)),
    ("swap 1 WETH for USDC at least 2700 USDC/WETH",
     want(min_amount_out=2700 * 10**6, limit_price=USDC_PER_WETH_2700)),
    ("swap 1 WETH for USDC price >= 2700", want(min_amount_out=2700 * 10**6,
                                                 limit_price=USDC_PER_WETH_2700)),
    ("swap 3000 USDC for WETH limit 2800",
     want(sell=USDC, buy=WETH, amount=3000 * 10**6, min_amount_out=1071428571428571429,
          limit_price=USDC_PER_WETH_2800_MAX)),
    ("swap 3000 USDC for WETH at a price of at most 2800 USDC per WETH",
     want(sell=USDC, buy=WETH, amount=3000 * 10**6, min_amount_out=1071428571428571429,
          limit_price=USDC_PER_WETH_2800_MAX)),
    ("sell 1 WETH for USDC at least 2700 USDC, limit 2600",
     want(min_amount_out=2700 * 10**6, limit_price=limit(USDC, WETH, "2600", "min", 13, 5 * 10**9))),
    ("sell 1 WETH for USDC at least 2500 USDC, limit 2600",
     want(min_amount_out=2600 * 10**6, limit_price=limit(USDC, WETH, "2600", "min", 13, 5 * 10**9))),
    ("swap 1 WETH for USDC, at least 2700 USDC, 0.5% slippage",
     want(min_amount_out=2700 * 10**6, slippage_bps=50)),
    ("swap 1 UNI for LINK limit 0.5",
     want(sell=UNI, buy=LINK, min_amount_out=5 * 10**17, limit_price=limit(LINK, UNI, "0.5", "min", 1, 2))),
    ("swap $500 worth of WETH for USDC limit 2700",
     want(amount=None, amount_spec=notional(USDC, 500 * 10**6, "USD"), limit_price=USDC_PER_WETH_2700)),
    ("swap all my WETH for USDC for at least 2700 USDC",
     want(amount=None, amount_spec=balance(10_000), min_amount_out=2700 * 10**6)),
    ("sell 1 WETH for 2,700 USDC", want(min_amount_out=2700 * 10**6)),
    ("swap 1 ETH to 2700 USDC", want(min_amount_out=2700 * 10**6, native_in=True)),
    ("buy 1 WETH for 3000 USDC", out(amount=E18, max_amount_in=3000 * 10**6)),
    ("buy 0.1 WBTC with 9k USDT", out(sell=USDT, buy=WBTC, amount=10**7,
                                       max_amount_in=9000 * 10**6)),
    ("buy 0.1 WBTC with USDT paying at most 3,000 USDT",
     out(sell=USDT, buy=WBTC, amount=10**7, max_amount_in=3000 * 10**6)),
    ("buy 0.1 WBTC paying at most 9,000 USDT",
     out(sell=USDT, buy=WBTC, amount=10**7, max_amount_in=9000 * 10**6)),
    ("buy 0.1 WBTC with USDT spend at most 9000 USDT",
     out(sell=USDT, buy=WBTC, amount=10**7, max_amount_in=9000 * 10**6)),
    ("buy 0.1 WBTC with USDT for at most 9000 USDT",
     out(sell=USDT, buy=WBTC, amount=10**7, max_amount_in=9000 * 10**6)),
    ("buy 0.1 WBTC with USDT max in 9000 USDT",
     out(sell=USDT, buy=WBTC, amount=10**7, max_amount_in=9000 * 10**6)),
    ("buy 0.1 WBTC with USDT at most 9000",
     out(sell=USDT, buy=WBTC, amount=10**7, max_amount_in=9000 * 10**6)),
    ("buy 1 WETH with USDC at a price of at most 2800 USDC per WETH",
     out(amount=E18, max_amount_in=2800 * 10**6, limit_price=USDC_PER_WETH_2800_MAX)),
    ("buy 1 WETH with USDC limit 2800",
     out(amount=E18, max_amount_in=2800 * 10**6, limit_price=USDC_PER_WETH_2800_MAX)),
    ("buy 1 WETH at most 2800 USDC per WETH",
     out(amount=E18, max_amount_in=2800 * 10**6, limit_price=USDC_PER_WETH_2800_MAX)),
    ("buy 1 WETH with USDC paying at most 2900 USDC, limit 2800",
     out(amount=E18, max_amount_in=2800 * 10**6, limit_price=USDC_PER_WETH_2800_MAX)),
    # --- deadline -------------------------------------------------------------------------
    ("swap 1 WETH for USDC within 90 seconds", want(deadline_s=90)),
    ("swap 1 WETH for USDC in 2 minutes", want(deadline_s=120)),
    ("swap 1 WETH for USDC deadline 5m", want(deadline_s=300)),
    ("swap 1 WETH for USDC deadline 10 min", want(deadline_s=600)),
    ("swap 1 WETH for USDC within 1 hour", want(deadline_s=3600)),
    ("swap 1 WETH for USDC expires in 45s", want(deadline_s=45)),
    ("swap 1 WETH for USDC valid for 3 minutes", want(deadline_s=180)),
    ("swap 1 WETH for USDC deadline 120", want(deadline_s=120)),
    ("swap 1 WETH for USDC with a deadline of 2 minutes", want(deadline_s=120)),
    ("swap 1 WETH for USDC within 1.5 minutes", want(deadline_s=90)),
    ("swap 1 WETH for USDC deadline 2h", want(deadline_s=7200)),
    ("swap 1 WETH for USDC in 90s", want(deadline_s=90)),
    # --- hops -------------------------------------------------------------------------------
    ("swap 1 WETH for USDC at most 2 hops", want(max_hops=2)),
    ("swap 1 WETH for USDC max 2 hops", want(max_hops=2)),
    ("swap 1 WETH for USDC max hops 2", want(max_hops=2)),
    ("swap 1 WETH for USDC 2 hops max", want(max_hops=2)),
    ("swap 1 WETH for USDC up to 4 hops", want(max_hops=4)),
    ("swap 1 WETH for USDC single hop", want(max_hops=1)),
    ("swap 1 WETH for USDC direct", want(max_hops=1)),
    ("swap 1 WETH for USDC direct route only", want(max_hops=1)),
    ("swap 1 WETH for USDC at most two hops", want(max_hops=2)),
    ("swap 1 WETH for USDC hops <= 3", want(max_hops=3)),
    ("swap 1 WETH for USDC at most 1 hop", want(max_hops=1)),
    # --- protocols ----------------------------------------------------------------------------
    ("swap 1 WETH for USDC via uniswap-v3 only", want(allow_protocols=["uniswap_v3"])),
    ("swap 1 WETH for USDC only on uniswap v2", want(allow_protocols=["uniswap_v2"])),
    ("swap 1 WETH for USDC via univ3", want(allow_protocols=["uniswap_v3"])),
    ("swap 1 WETH for USDC via v3", want(allow_protocols=["uniswap_v3"])),
    ("swap 1 WETH for USDC using uniswap v3", want(allow_protocols=["uniswap_v3"])),
    ("swap 1 WETH for USDC through Uniswap V3", want(allow_protocols=["uniswap_v3"])),
    ("swap 1 WETH for USDC on uniswap_v3", want(allow_protocols=["uniswap_v3"])),
    ("swap 1 WETH for USDC via uni v2", want(allow_protocols=["uniswap_v2"])),
    ("swap 1 WETH for USDC via uniswap v2 or v3",
     want(allow_protocols=["uniswap_v2", "uniswap_v3"])),
    ("swap 1 WETH for USDC via uniswap", want(allow_protocols=["uniswap_v2", "uniswap_v3"])),
    ("swap 1 WETH for USDC avoid uniswap-v2", want(deny_protocols=["uniswap_v2"])),
    ("swap 1 WETH for USDC no v2", want(deny_protocols=["uniswap_v2"])),
    ("swap 1 WETH for USDC not via uniswap v2", want(deny_protocols=["uniswap_v2"])),
    ("swap 1 WETH for USDC via uniswap-v3, avoid uniswap-v2",
     want(allow_protocols=["uniswap_v3"], deny_protocols=["uniswap_v2"])),
    # --- avoided tokens (sorted by address) ------------------------------------------------------
    ("swap 1 WETH for USDC avoid USDT", want(avoid_tokens=[USDT])),
    ("swap 1 WETH for USDC not through USDT", want(avoid_tokens=[USDT])),
    ("swap 1 WETH for USDC avoid USDT, DAI", want(avoid_tokens=[DAI, USDT])),
    ("swap 1 WETH for USDC avoid USDT and DAI", want(avoid_tokens=[DAI, USDT])),
    ("swap 1 WETH for USDC avoid DAI avoid USDT", want(avoid_tokens=[DAI, USDT])),
    ("swap 1 WETH for USDC exclude DAI", want(avoid_tokens=[DAI])),
    ("swap 1 WETH for USDC without USDT", want(avoid_tokens=[USDT])),
    ("swap 1 WETH for USDC avoid USDT, uniswap v2",
     want(avoid_tokens=[USDT], deny_protocols=["uniswap_v2"])),
    ("swap 1 WETH for USDC avoid usdt, USDT", want(avoid_tokens=[USDT])),
    # --- split ----------------------------------------------------------------------------------
    ("swap 1 WETH for USDC no split", want(split=False)),
    ("swap 1 WETH for USDC single route", want(split=False)),
    ("swap 1 WETH for USDC don't split", want(split=False)),
    ("swap 1 WETH for USDC without splitting", want(split=False)),
    ("swap 1 WETH for USDC one route", want(split=False)),
    ("swap 1 WETH for USDC, no split, no split", want(split=False)),
    ("swap 1 WETH for USDC split allowed", want(split=True)),
    ("swap 1 WETH for USDC split across routes", want(split=True)),
    # --- recipient ------------------------------------------------------------------------------
    (f"swap 1 WETH for USDC send to {VITALIK}", want(recipient=VITALIK)),
    (f"swap 1 WETH for USDC to {VITALIK.lower()}", want(recipient=VITALIK)),
    (f"swap 1 WETH for USDC and send it to {VITALIK}", want(recipient=VITALIK)),
    (f"swap 1 WETH for USDC recipient {VITALIK}", want(recipient=VITALIK)),
    (f"swap 1 WETH to USDC to {VITALIK}", want(recipient=VITALIK)),
    (f"to {VITALIK} swap 1 WETH for USDC", want(recipient=VITALIK)),
    (f"buy 1 WETH with USDC to {VITALIK}", out(recipient=VITALIK)),
    (f"swap 1 WETH for USDC, send the output to {VITALIK}", want(recipient=VITALIK)),
    (f"swap 1 WETH for USDC send to {WETH.lower()}", want(recipient=WETH)),
    # --- gas cap --------------------------------------------------------------------------------
    ("swap 1 WETH for USDC max gas 30 gwei", want(max_gas_price_wei=30 * 10**9)),
    ("swap 1 WETH for USDC gas under 30 gwei", want(max_gas_price_wei=30 * 10**9)),
    ("swap 1 WETH for USDC gas price below 25.5 gwei", want(max_gas_price_wei=255 * 10**8)),
    ("swap 1 WETH for USDC 30 gwei max gas", want(max_gas_price_wei=30 * 10**9)),
    ("swap 1 WETH for USDC gas < 30gwei", want(max_gas_price_wei=30 * 10**9)),
    ("swap 1 WETH for USDC max gas price 1000000 wei", want(max_gas_price_wei=10**6)),
    ("swap 1 WETH for USDC with gas under 20 gwei", want(max_gas_price_wei=20 * 10**9)),
    ("swap 1 WETH for USDC max fee 30 gwei", want(max_gas_price_wei=30 * 10**9)),
    ("swap 1 WETH for USDC under 30 gwei", want(max_gas_price_wei=30 * 10**9)),
    ("swap 1 WETH for USDC gas 0.5 gwei", want(max_gas_price_wei=5 * 10**8)),
    # --- chain ----------------------------------------------------------------------------------
    ("swap 1 WETH for USDC on mainnet", want(chain="mainnet")),
    ("swap 1 WETH for USDC on devnet", want(chain="devnet")),
    ("swap 1 WETH for USDC on ethereum", want(chain="mainnet")),
    ("on mainnet, swap 1 WETH for USDC", want(chain="mainnet")),
    ("swap 1 WETH for USDC on Mainnet", want(chain="mainnet")),
    ("swap 1 WETH for USDC chain mainnet", want(chain="mainnet")),
    ("swap 1 WETH for USDC on mainnet, on ethereum", want(chain="mainnet")),
    # --- order, commas, combinations -----------------------------------------------------------
    ("swap 1 WETH for USDC within 2 minutes max slippage 0.3% at most 2 hops",
     want(deadline_s=120, slippage_bps=30, max_hops=2)),
    ("within 2 minutes, with max slippage 0.3%, swap 1 WETH for USDC",
     want(deadline_s=120, slippage_bps=30)),
    ("at most 2 hops; swap 1 WETH for USDC; no split", want(max_hops=2, split=False)),
    ("swap 1 WETH for USDC,, slippage 1%", want(slippage_bps=100)),
    ("swap 1 WETH, slippage 1%, for USDC", want(slippage_bps=100)),
    ("slippage 1% and swap 1 WETH for USDC and no split", want(slippage_bps=100, split=False)),
    (f"swap 2.5 WETH for at least 6,500 USDC, max slippage 0.3%, within 2 minutes, at most 2 "
     f"hops via uniswap-v3 only, avoid USDT, no split, max gas 30 gwei, send to {VITALIK}, on "
     f"mainnet",
     want(amount=25 * 10**17, min_amount_out=6500 * 10**6, slippage_bps=30, deadline_s=120,
          max_hops=2, allow_protocols=["uniswap_v3"], avoid_tokens=[USDT], split=False,
          max_gas_price_wei=30 * 10**9, recipient=VITALIK, chain="mainnet")),
    ("buy 0.5 WBTC with USDC paying at most 40k USDC, 1% slippage, deadline 90s, direct",
     out(buy=WBTC, amount=5 * 10**7, max_amount_in=40_000 * 10**6, slippage_bps=100,
         deadline_s=90, max_hops=1)),
]


def test_there_are_at_least_150_phrasings():
    assert len(CASES) >= 150
    assert len({text for text, _ in CASES}) == len(CASES), "duplicate phrasings"


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[t for t, _ in CASES])
def test_phrasing(text, expected):
    assert parse_intent(text, tokens=BOOKS, defaults=DEFAULTS).to_json() == expected


def test_defaults_come_from_the_config():
    defaults = Defaults(chain="mainnet", slippage_bps=10, deadline_s=60, max_hops=2)
    got = parse_intent("swap 1 WETH for USDC", tokens=BOOKS, defaults=defaults).to_json()
    assert got == want(slippage_bps=10, deadline_s=60, max_hops=2, chain="mainnet")


def test_single_book_with_configured_chain_names():
    """The API quote/batch use: one book, plus the names 'on <chain>' may pick."""
    book = BOOKS["devnet"]
    got = parse_intent("swap 1 WETH for USDC on mainnet", tokens=book, defaults=DEFAULTS,
                       chains=("devnet", "mainnet"))
    assert got.chain == "mainnet"
    assert parse_intent("swap 1 WETH for USDC", tokens=book).chain == "devnet"


def test_chain_option_agrees_with_the_intent():
    got = parse_intent("swap 1 WETH for USDC on mainnet", tokens=BOOKS, defaults=DEFAULTS,
                       chain="mainnet")
    assert got.chain == "mainnet"
    assert parse_intent("swap 1 WETH for USDC", tokens=BOOKS, defaults=DEFAULTS,
                        chain="mainnet").chain == "mainnet"
