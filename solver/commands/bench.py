"""`solver bench`: routing speed and quality on seeded synthetic graphs (solver.bench)."""

from __future__ import annotations

from solver.context import AppContext
from solver.errors import UsageError
from solver.ui import emit_json


def parse_sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(s.replace("_", "").replace(",", "")) for s in text.split(",") if s.strip())
    except ValueError:
        raise UsageError(f"--sizes {text!r} must be comma-separated pool counts",
                         hint="e.g. --sizes 100,1000,10000", code="bad_usage") from None
    if not sizes or any(s < 10 or s > 100_000 for s in sizes):
        raise UsageError("each size must be between 10 and 100,000 pools", code="bad_usage")
    return sizes


def run_bench_command(ctx: AppContext, *, sizes: str, cases: int, seed: int) -> None:
    from solver.bench import render_rows, run_bench

    if not 1 <= cases <= 1000:
        raise UsageError("--cases must be between 1 and 1000", code="bad_usage")
    report = run_bench(sizes=parse_sizes(sizes), cases=cases, seed=seed)
    if ctx.json:
        emit_json({"ok": True, **report})
        return
    from rich.table import Table

    from solver.ui import console

    header, *rows = render_rows(report)
    table = Table(title=f"solver bench (seed {seed}, {cases} cases per size; "
                        "quality = our net output minus the baseline's, in bp)")
    for name in header:
        table.add_column(name, justify="right")
    for row in rows:
        table.add_row(*row)
    console().print(table)
