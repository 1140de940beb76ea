"""The syntax of an intent: words with their columns, grouped into phrases.

This is what the grammar produces before any meaning is attached: `assemble.py` decides
which phrase binds to which side of the trade, `resolve.py` looks up tokens and numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Word:
    """One terminal of the grammar, where it stands in the intent (1-based column)."""

    kind: str
    text: str
    column: int

    @property
    def length(self) -> int:
        return max(1, len(self.text))

    @property
    def end(self) -> int:
        """The column just after the word."""
        return self.column + len(self.text)


@dataclass(frozen=True, slots=True)
class Side:
    """One side of the trade: a token, maybe with a quantity.

    quantity is None, or a Word of kind AMOUNT (an exact amount), DOLLAR ("$500 worth"),
    ALL / HALF / QUARTER / PERCENT (a share of the balance), or AMOUNT with `quote` set
    ("500 USDC worth of WETH": quantity 500, quote USDC).
    """

    token: Word
    quantity: Word | None = None
    quote: Word | None = None
    exactly: bool = False

    @property
    def start(self) -> Word:
        return self.quantity or self.token

    @property
    def is_plain(self) -> bool:
        return self.quantity is None

    @property
    def is_balance(self) -> bool:
        return self.quantity is not None and self.quantity.kind in ("ALL", "HALF", "QUARTER",
                                                                    "PERCENT")


@dataclass(frozen=True, slots=True)
class Phrase:
    """A phrase of the grammar: its rule name, its own words in order, and a side if it has one."""

    kind: str
    words: tuple[Word, ...]
    side: Side | None = None
    joined_by: Word | None = field(default=None, compare=False)

    @property
    def first(self) -> Word:
        return self.words[0]

    def word(self, *kinds: str) -> Word | None:
        """The first word of one of these kinds."""
        return next((w for w in self.words if w.kind in kinds), None)

    def tokens(self) -> list[Word]:
        """The token words (symbols or addresses) in order."""
        return [w for w in self.words if w.kind in ("SYMBOL", "ADDRESS")]


SIDE_RULES = ("side_amount", "side_notional", "side_dollar", "side_balance", "side_token")


def collect_phrases(tree) -> list[Phrase]:
    """Flatten lark's parse tree (start -> phrase*) into Phrase objects."""
    phrases = []
    pending_sep: Word | None = None
    for child in tree.children:
        if not hasattr(child, "data"):  # a bare separator
            pending_sep = _word(child)
            continue
        if child.data == "with_constraint":
            child = child.children[1]
        phrases.append(_phrase(child, pending_sep))
        pending_sep = None
    return phrases


def _phrase(tree, joined_by: Word | None) -> Phrase:
    words: list[Word] = []
    side = None
    for child in tree.children:
        if hasattr(child, "data"):
            side = _side(child)
            words.append(side.start)
        else:
            words.append(_word(child))
    return Phrase(kind=tree.data, words=tuple(words), side=side, joined_by=joined_by)


def _side(tree) -> Side:
    words = [_word(t) for t in tree.children]
    exactly = bool(words) and words[0].kind == "EXACTLY"
    if exactly:
        words = words[1:]
    tokens = [w for w in words if w.kind in ("SYMBOL", "ADDRESS")]
    if tree.data == "side_token":
        return Side(token=tokens[0])
    if tree.data == "side_notional":
        return Side(token=tokens[1], quantity=words[0], quote=tokens[0], exactly=exactly)
    return Side(token=tokens[0], quantity=words[0], exactly=exactly)


def _word(token) -> Word:
    return Word(kind=token.type, text=str(token), column=token.column)
