"""The error model: one exception class per row of the exit-code table in INTERFACE.md."""

from __future__ import annotations


class SolverError(Exception):
    """An expected failure that the CLI turns into a message, a hint and an exit code."""

    exit_code: int = 1
    code: str = "internal_error"

    def __init__(self, message: str, *, hint: str | None = None, code: str | None = None,
                 context: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        if code is not None:
            self.code = code
        self.context = context or {}

    def to_json(self) -> dict:
        error = {"code": self.code, "message": self.message, "hint": self.hint,
                 "exit_code": self.exit_code}
        error.update(self.context)
        return {"ok": False, "error": error}


class InternalError(SolverError):
    """Exit 1: a bug. The CLI tells the user to rerun with --debug."""

    exit_code = 1
    code = "internal_error"


class UsageError(SolverError):
    """Exit 2: bad usage or a bad intent (syntax, unknown token, contradiction)."""

    exit_code = 2
    code = "bad_usage"


class IntentError(UsageError):
    """Exit 2, pointing at the offending part of the intent text.

    `column` is 1-based; `length` is how many characters the caret line underlines.
    """

    code = "bad_intent"

    def __init__(self, message: str, *, text: str = "", column: int | None = None,
                 length: int = 1, hint: str | None = None, code: str | None = None) -> None:
        context = {"column": column} if column is not None else {}
        super().__init__(message, hint=hint, code=code, context=context)
        self.text = text
        self.column = column
        self.length = max(1, length)

    def caret_lines(self) -> str:
        """The intent with a caret under the offending word, for human output."""
        if self.column is None or not self.text:
            return ""
        pad = " " * (self.column - 1)
        return f"  {self.text}\n  {pad}{'^' * self.length}"


class NoRouteError(SolverError):
    """Exit 3: no route satisfies the constraints."""

    exit_code = 3
    code = "no_route"


class RpcError(SolverError):
    """Exit 4: RPC or network failure after retries, or a wrong chain id."""

    exit_code = 4
    code = "rpc_error"


class SimulationError(SolverError):
    """Exit 5: the simulation reverted or broke a constraint."""

    exit_code = 5
    code = "simulation_failed"


class ConfigError(SolverError):
    """Exit 6: bad or missing configuration."""

    exit_code = 6
    code = "bad_config"


class SafetyError(SolverError):
    """Exit 7: refused by a safety check."""

    exit_code = 7
    code = "refused"
