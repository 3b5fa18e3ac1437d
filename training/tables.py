"""The markdown tables the comparison scripts print row by row and save under training/results/."""

from __future__ import annotations

from pathlib import Path


def add_row(lines: list[str], line: str) -> None:
    """Print a row as soon as it is measured (runs are long) and keep it for the saved table."""
    print(line, flush=True)
    lines.append(line)


def save(lines: list[str], out: Path | None, *, echo: bool = True) -> None:
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text("\n".join(lines) + "\n")
    if echo:
        print("\n".join(lines))
