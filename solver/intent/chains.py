"""Chain names in intents: which configured chain "on X" means, and which words are chains.

An intent may name a configured chain ("on mainnet"). A chain that is not configured is
a bad intent (exit 2), not a configuration error: the words are what's wrong, and the
hint lists the chains that are configured. (`--chain NAME` for an unconfigured chain stays
exit 6, as the config loader decides.)
"""

from __future__ import annotations

import difflib
from collections.abc import Collection

# Words that name chains, so that "to arbitrum" is read as a cross-chain request rather
# than an unknown token or a bad recipient.
WELL_KNOWN_CHAINS = frozenset({
    "ethereum", "mainnet", "eth-mainnet", "base", "arbitrum", "arbitrum-one", "optimism",
    "op", "polygon", "matic", "bsc", "bnb", "binance", "avalanche", "avax", "zksync",
    "linea", "scroll", "blast", "gnosis", "celo", "sepolia", "goerli", "holesky",
    "unichain", "mantle", "fantom", "solana", "devnet", "localhost", "anvil",
})

ALIASES = {"ethereum": "mainnet", "eth-mainnet": "mainnet", "mainnet": "ethereum",
           "arbitrum-one": "arbitrum", "op": "optimism", "matic": "polygon",
           "bnb": "bsc", "binance": "bsc", "avax": "avalanche", "anvil": "devnet",
           "localhost": "devnet"}


def is_chain_word(word: str, known: Collection[str] = ()) -> bool:
    lower = word.lower()
    return lower in WELL_KNOWN_CHAINS or any(lower == k.lower() for k in known)


def match_chain(word: str, known: Collection[str]) -> str | None:
    """The configured chain name a word means (case-insensitive, common aliases), or None."""
    by_lower = {k.lower(): k for k in known}
    lower = word.lower()
    if lower in by_lower:
        return by_lower[lower]
    alias = ALIASES.get(lower)
    return by_lower.get(alias) if alias else None


def hint_chains(word: str, known: Collection[str]) -> str:
    names = sorted(known)
    close = difflib.get_close_matches(word.lower(), [n.lower() for n in names], n=1, cutoff=0.6)
    listed = ", ".join(names) if names else "none"
    if close:
        return f"did you mean {close[0]}? configured chains: {listed}"
    return f"configured chains: {listed}; add [chains.{word.lower()}] to the config to use it"
