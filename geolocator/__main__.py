"""`geolocator` with no arguments (or only app flags) opens the desktop app; otherwise the CLI."""

from __future__ import annotations

import sys

def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    from .cli import command_names  # argparse only: the heavy modules load on first use

    if not argv or argv[0] not in command_names():
        from .gui.app import main as gui_main

        return gui_main(argv)
    from .cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
