"""Terminal output helpers. rich is imported only when something is drawn."""

from __future__ import annotations

import os
import sys
from typing import Any

import orjson


def emit_json(obj: Any) -> None:
    """One JSON document on stdout and nothing else (bots parse it)."""
    sys.stdout.buffer.write(orjson.dumps(obj) + b"\n")
    sys.stdout.flush()


def color_enabled(stream=None) -> bool:
    stream = stream or sys.stdout
    return "NO_COLOR" not in os.environ and stream.isatty()


def console(stderr: bool = False):
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    return Console(file=stream, no_color=not color_enabled(stream),
                   highlight=False, soft_wrap=False)


def note(message: str) -> None:
    """A progress note for humans on stderr; never pollutes --json stdout."""
    sys.stderr.write(f"solver: {message}\n")
    sys.stderr.flush()


def print_error(err, debug: bool = False) -> None:
    """Human form of a SolverError on stderr: message, caret line, hint."""
    lines = [f"error: {err.message}"]
    caret = getattr(err, "caret_lines", lambda: "")()
    if caret:
        lines.append(caret)
    if err.hint:
        lines.append(f"hint: {err.hint}")
    if err.exit_code == 1 and not debug:
        lines.append("this is a bug in solver: rerun with --debug and report the traceback")
    sys.stderr.write("\n".join(lines) + "\n")
    sys.stderr.flush()
