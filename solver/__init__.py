"""solver: a command-line intent solver and trade router for EVM DEXes."""

__version__ = "0.1.0"
