"""The intent language: what a trader types -> a validated constraint set (Intent).

    parse_intent("swap 2.5 WETH for USDC, max slippage 0.3%", tokens=book, defaults=defaults)

Pure: no I/O beyond reading the grammar (and its parse-table cache) once per process.
The pipeline is text -> phrases (parser.py, grammar.lark) -> plan (assemble.py) ->
Intent (resolve.py, amounts.py). docs/intent-language.md describes the language.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from solver.config import Defaults
from solver.intent.assemble import Plan, assemble
from solver.intent.bounds import effective_max_in, effective_min_out, limit_max_in, limit_min_out
from solver.intent.model import BalanceAmount, Intent, LimitPrice, NotionalAmount
from solver.intent.parser import read_phrases
from solver.intent.render import render_intent
from solver.intent.resolve import resolve_plan
from solver.tokens import TokenBook

SCHEMA = "solver.intent/1"

__all__ = ["SCHEMA", "BalanceAmount", "Intent", "LimitPrice", "NotionalAmount", "Plan",
           "effective_max_in", "effective_min_out", "limit_max_in", "limit_min_out",
           "normalize_text", "parse_intent", "read_intent", "render_intent", "resolve_plan"]


def normalize_text(text: str) -> str:
    """Every whitespace character becomes a plain space, so columns stay where they were."""
    return "".join(" " if c.isspace() else c for c in text)


def read_intent(text: str) -> Plan:
    """The syntax step alone: no tokens or config needed. Raises IntentError."""
    text = normalize_text(text)
    return assemble(text, read_phrases(text))


def parse_intent(text: str, *, tokens: TokenBook | Mapping[str, TokenBook],
                 defaults: Defaults | None = None, chain: str | None = None,
                 chains: Collection[str] | None = None) -> Intent:
    """Parse and resolve an intent.

    tokens: books by configured chain name (a lazy Mapping such as solver.tokens.ChainBooks),
        so that "on <chain>" resolves its tokens on that chain; or one chain's TokenBook.
    defaults: slippage, deadline, hop limit and default chain (the config's [defaults]).
    chain: a chain picked outside the intent (--chain); the intent may not name another.
    chains: with a single book, the configured chain names "on <chain>" may name. The
        result's `chain` then says which one; tokens were still looked up in `tokens`.
    Raises IntentError (exit 2) pointing at the offending word.
    """
    return resolve_plan(read_intent(text), tokens=tokens, defaults=defaults or Defaults(),
                        chain=chain, chains=chains)
