"""The markdown tables the comparison scripts print row by row and save under training/results/."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
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


def built_regions(paths: Iterable[Path]) -> Iterator[Path]:
    """The region folders that hold a tiles.csv, in order; each other one is named with the command
    that builds it (the benchmark regions are not committed)."""
    for path in paths:
        if (path / "tiles.csv").is_file():
            yield path
        else:
            print(f"skipping {path}: not built (python training/make_public_benchmark.py --regions {path.name})")
