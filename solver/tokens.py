"""TokenBook: the tokens one chain knows, by symbol (case-insensitive) and by address.

Three sources, later ones overriding earlier ones symbol by symbol:
1. a built-in table of mainnet tokens, used on mainnet and on any chain whose wrapped
   native token is mainnet WETH (the local devnet and mainnet forks put their tokens at
   the mainnet addresses);
2. the chain's token lists, in the Uniswap token-list JSON format;
3. the chain's `[chains.X.tokens]` table in the config.

Only `TokenBook.from_chain` reads files. Lookups are pure, so the intent parser can take
a book as a plain argument.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from solver.addresses import is_address
from solver.errors import ConfigError

if TYPE_CHECKING:
    from solver.config import ChainConfig, Config

MAINNET_WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"


@dataclass(frozen=True, slots=True)
class TokenInfo:
    address: str          # EIP-55 checksummed
    symbol: str
    decimals: int
    name: str = ""

    def to_json(self) -> dict:
        return {"address": self.address, "symbol": self.symbol, "decimals": self.decimals}


# Checksums precomputed, so that a lookup needs no keccak import.
MAINNET_TOKENS: tuple[TokenInfo, ...] = (
    TokenInfo(MAINNET_WETH, "WETH", 18, "Wrapped Ether"),
    TokenInfo("0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", "USDC", 6, "USD Coin"),
    TokenInfo("0xdAC17F958D2ee523a2206206994597C13D831ec7", "USDT", 6, "Tether USD"),
    TokenInfo("0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2C599", "WBTC", 8, "Wrapped BTC"),
    TokenInfo("0x6B175474E89094C44Da98b954EedeAC495271d0F", "DAI", 18, "Dai Stablecoin"),
    TokenInfo("0x514910771AF9Ca656af840dff83E8264EcF986CA", "LINK", 18, "ChainLink Token"),
    TokenInfo("0xcbB7C0000aB88B473b1f5aFd9ef808440eed33Bf", "cbBTC", 8, "Coinbase Wrapped BTC"),
    TokenInfo("0x1f9840a85d5aF5bf1D1762F925BDADdC4201F984", "UNI", 18, "Uniswap"),
)

# Symbols a "$500" amount is denominated in, best first.
USD_SYMBOLS = ("USDC", "USDT", "DAI")


class TokenLookupError(Exception):
    """A symbol or address the book can't turn into exactly one token."""

    def __init__(self, message: str, *, code: str, hint: str | None = None,
                 candidates: tuple[TokenInfo, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.hint = hint
        self.candidates = candidates


class TokenBook:
    """Tokens by symbol and address. Build once per chain; lookups never do I/O unless a
    `fetch` hook (e.g. an RPC `decimals()` reader) is given for unknown addresses."""

    def __init__(self, tokens: Iterable[TokenInfo] = (), *, chain_name: str | None = None,
                 native_symbol: str = "ETH", wrapped_native: str | None = None,
                 fetch: Callable[[str], TokenInfo | None] | None = None) -> None:
        self.chain_name = chain_name
        self.native_symbol = native_symbol
        self.wrapped_native = wrapped_native
        self._fetch = fetch
        self._by_address: dict[str, TokenInfo] = {}
        self._by_symbol: dict[str, list[TokenInfo]] = {}
        for tier in _as_tiers(tokens):
            self._add_tier(tier)

    # --- building ----------------------------------------------------------------------

    @classmethod
    def builtin_mainnet(cls, *, chain_name: str | None = "mainnet") -> TokenBook:
        return cls([MAINNET_TOKENS], chain_name=chain_name, wrapped_native=MAINNET_WETH)

    @classmethod
    def from_chain(cls, chain: ChainConfig, *,
                   fetch: Callable[[str], TokenInfo | None] | None = None) -> TokenBook:
        """Builtins (when the chain mirrors mainnet), then token lists, then config tokens."""
        mirrors_mainnet = chain.chain_id == 1 or chain.wrapped_native == MAINNET_WETH
        tiers: list[tuple[TokenInfo, ...]] = [MAINNET_TOKENS] if mirrors_mainnet else []
        chain_ids = {chain.chain_id, 1} if mirrors_mainnet else {chain.chain_id}
        listed: list[TokenInfo] = []
        for path in chain.token_lists:
            listed.extend(load_token_list(path, chain_ids=chain_ids))
        tiers.append(tuple(listed))
        tiers.append(tuple(TokenInfo(t.address, t.symbol, t.decimals, t.name) for t in chain.tokens))
        return cls(tiers, chain_name=chain.name, native_symbol=chain.native_symbol,
                   wrapped_native=chain.wrapped_native, fetch=fetch)

    def _add_tier(self, tier: tuple[TokenInfo, ...]) -> None:
        """A later tier replaces every earlier token of the same symbol (case-insensitive);
        tokens within one tier that share a symbol stay side by side (ambiguous)."""
        replaced = {t.symbol.lower() for t in tier}
        for key in replaced & self._by_symbol.keys():
            del self._by_symbol[key]
        for token in tier:
            self._by_address[token.address.lower()] = token
            same = self._by_symbol.setdefault(token.symbol.lower(), [])
            if all(t.address.lower() != token.address.lower() for t in same):
                same.append(token)

    # --- lookups -----------------------------------------------------------------------

    def __iter__(self) -> Iterator[TokenInfo]:
        return iter(self._by_address.values())

    def __len__(self) -> int:
        return len(self._by_address)

    def __contains__(self, text: object) -> bool:
        if not isinstance(text, str):
            return False
        try:
            self.find(text)
        except TokenLookupError:
            return False
        return True

    def symbols(self) -> list[str]:
        return sorted({t.symbol for ts in self._by_symbol.values() for t in ts}, key=str.lower)

    def by_address(self, address: str) -> TokenInfo | None:
        return self._by_address.get(address.lower())

    def by_symbol(self, symbol: str) -> tuple[TokenInfo, ...]:
        """Every token whose symbol matches, ignoring case."""
        return tuple(self._by_symbol.get(symbol.lower(), ()))

    def is_native(self, text: str) -> bool:
        """True for the chain's native symbol (ETH), unless a listed token claims it."""
        return text.lower() == self.native_symbol.lower() and not self.by_symbol(text)

    def native_wrapped(self) -> TokenInfo:
        """The wrapped native token that stands in for native ETH on a route."""
        if self.wrapped_native is None:
            raise TokenLookupError(f"this chain has no wrapped {self.native_symbol} configured",
                                   code="unknown_token", hint="set wrapped_native in the config")
        known = self.by_address(self.wrapped_native)
        return known or TokenInfo(self.wrapped_native, "W" + self.native_symbol, 18)

    def find(self, text: str) -> TokenInfo:
        """One token for a symbol or an address, or a TokenLookupError saying why not."""
        if is_address(text):
            return self._find_address(text)
        return self._find_symbol(text)

    def suggest(self, text: str, *, limit: int = 3) -> list[str]:
        """Known symbols that look like `text`, for a did-you-mean hint."""
        by_lower = {s.lower(): s for s in self.symbols()}
        if self.native_symbol:
            by_lower.setdefault(self.native_symbol.lower(), self.native_symbol)
        close = difflib.get_close_matches(text.lower(), list(by_lower), n=limit, cutoff=0.6)
        return [by_lower[c] for c in close]

    def usd_token(self) -> TokenInfo | None:
        """The stablecoin that a "$" amount means on this chain."""
        for symbol in USD_SYMBOLS:
            found = self.by_symbol(symbol)
            if len(found) == 1:
                return found[0]
        return None

    def _find_address(self, text: str) -> TokenInfo:
        known = self.by_address(text)
        mixed_case = text[2:] != text[2:].lower() and text[2:] != text[2:].upper()
        if known is not None:
            if mixed_case and text != known.address:
                raise _bad_checksum(text, known.address)
            return known
        if mixed_case:
            from solver.addresses import to_checksum

            if to_checksum(text) != text:
                raise _bad_checksum(text, to_checksum(text))
        if self._fetch is not None:
            fetched = self._fetch(text)
            if fetched is not None:
                return fetched
        where = f"[chains.{self.chain_name}.tokens]" if self.chain_name else "the config"
        raise TokenLookupError(
            f"unknown token address {text}", code="unknown_token",
            hint=f"add it with its decimals under {where}, or to a token list")

    def _find_symbol(self, text: str) -> TokenInfo:
        found = self.by_symbol(text)
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            exact = [t for t in found if t.symbol == text]
            if len(exact) == 1:
                return exact[0]
            listing = ", ".join(f"{t.symbol} {t.address}" for t in found)
            raise TokenLookupError(
                f"{text!r} is ambiguous: {len(found)} tokens have that symbol",
                code="ambiguous_token", candidates=tuple(found),
                hint=f"use the address: {listing}")
        raise TokenLookupError(f"unknown token {text!r}", code="unknown_token",
                               hint=_unknown_hint(text, self.suggest(text)))


class ChainBooks(Mapping):
    """TokenBooks by configured chain name, each built (token lists read) on first use."""

    def __init__(self, config: Config, *,
                 fetch: Callable[[str], TokenInfo | None] | None = None) -> None:
        self._config = config
        self._fetch = fetch
        self._books: dict[str, TokenBook] = {}

    def __getitem__(self, name: str) -> TokenBook:
        if name not in self._books:
            chain = self._config.chains[name]  # KeyError for an unknown name, as a Mapping does
            self._books[name] = TokenBook.from_chain(chain, fetch=self._fetch)
        return self._books[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._config.chains)

    def __len__(self) -> int:
        return len(self._config.chains)


def _unknown_hint(text: str, close: list[str]) -> str:
    if text.lower().startswith("0x"):
        return "an address is 0x followed by 40 hex digits"
    if close:
        return "did you mean " + " or ".join(close) + "?"
    return "use a symbol from the config or its token lists, or the token's address"


def _bad_checksum(text: str, expected: str) -> TokenLookupError:
    return TokenLookupError(f"address {text} has a wrong EIP-55 checksum", code="bad_address",
                            hint=f"the checksummed form is {expected}; lowercase is accepted too")


def _as_tiers(tokens: Iterable) -> list[tuple[TokenInfo, ...]]:
    """Accept either a flat iterable of TokenInfo (one tier) or an iterable of tiers."""
    items = list(tokens)
    if items and all(isinstance(t, TokenInfo) for t in items):
        return [tuple(items)]
    return [tuple(tier) for tier in items]


# --- token lists ---------------------------------------------------------------------

_LIST_CACHE: dict[tuple[Path, int, int], tuple[dict, ...]] = {}


def load_token_list(path: Path, *, chain_ids: set[int]) -> list[TokenInfo]:
    """The tokens of one Uniswap token list (https://tokenlists.org) for the given chains.

    A malformed file is a configuration error (exit 6) that names the file.
    """
    entries = _read_list(path)
    tokens = []
    for i, entry in enumerate(entries):
        if entry["chainId"] in chain_ids:
            tokens.append(_list_token(entry, path, i))
    return tokens


def _read_list(path: Path) -> tuple[dict, ...]:
    import orjson

    try:
        stat = path.stat()
        key = (path, stat.st_mtime_ns, stat.st_size)
        if key in _LIST_CACHE:
            return _LIST_CACHE[key]
        raw = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        raise ConfigError(f"token list {path} does not exist",
                          hint="fix token_lists in the config", code="bad_config") from None
    except (OSError, orjson.JSONDecodeError) as exc:
        raise ConfigError(f"can't read token list {path}: {exc}", code="bad_config") from None
    tokens = raw.get("tokens") if isinstance(raw, dict) else None
    if not isinstance(tokens, list):
        raise ConfigError(f"token list {path}: expected an object with a 'tokens' array",
                          hint="use the Uniswap token-list format", code="bad_config")
    for i, entry in enumerate(tokens):
        if not isinstance(entry, dict) or not isinstance(entry.get("chainId"), int) \
                or isinstance(entry.get("chainId"), bool):
            raise ConfigError(f"token list {path}: tokens[{i}] needs an integer chainId",
                              code="bad_config")
    _LIST_CACHE[key] = tuple(tokens)
    return _LIST_CACHE[key]


def _list_token(entry: dict, path: Path, index: int) -> TokenInfo:
    where = f"token list {path}: tokens[{index}]"
    address, symbol, decimals = entry.get("address"), entry.get("symbol"), entry.get("decimals")
    if not isinstance(address, str) or not is_address(address):
        raise ConfigError(f"{where}: 'address' must be 0x + 40 hex digits", code="bad_config")
    if not isinstance(symbol, str) or not symbol.strip():
        raise ConfigError(f"{where}: 'symbol' must be a non-empty string", code="bad_config")
    if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 77:
        raise ConfigError(f"{where}: 'decimals' must be an integer in [0, 77]", code="bad_config")
    # Lists carry checksummed addresses; only single-case ones need the keccak import.
    if address[2:] == address[2:].lower() or address[2:] == address[2:].upper():
        from solver.addresses import to_checksum

        address = to_checksum(address)
    name = entry.get("name") if isinstance(entry.get("name"), str) else ""
    return TokenInfo(address, symbol.strip(), decimals, name)
