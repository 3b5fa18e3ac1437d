"""`geolocator` with no arguments (or only app flags) opens the desktop app; otherwise the CLI."""

from __future__ import annotations

import sys

COMMANDS = {"index", "locate", "eval", "adapt", "eval-u1652", "-h", "--help"}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in COMMANDS and argv[0] not in {"-v", "--verbose"}:
        from .gui.app import main as gui_main

        return gui_main(argv)
    from .cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
