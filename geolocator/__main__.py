"""`geolocator` with no arguments (or only app flags and paths) opens the desktop app; a subcommand
runs the CLI. A word that is neither a subcommand nor an existing path is a typo, reported with the
close matches, never opened as the app (which, headless, would abort in Qt)."""

from __future__ import annotations

import difflib
import sys
from pathlib import Path


def unknown_word_message(word: str, commands: list[str]) -> str:
    """The error for `geolocator WORD ...` where WORD is neither a command nor an existing path."""
    close = difflib.get_close_matches(word, commands, n=3, cutoff=0.5)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    return (f"geolocator: '{word}' is not a command and no such file or folder exists.{hint}\n"
            f"Commands: {', '.join(commands)}. Run 'geolocator --help' for the app's options.")


def shadowed_path_note(word: str) -> str | None:
    """The note for `geolocator WORD ...` where WORD is a subcommand and also a file or folder here (a
    tile folder named `cache`, session 17's `geolocator cache`): the command wins, and the note says
    how to open the path in the app instead (`./WORD`, or `WORD/` as shell completion writes a
    folder, is no command). None when no such path exists."""
    path = Path(word)
    if not path.exists():
        return None
    kind = "folder" if path.is_dir() else "file"
    return (f"geolocator: '{word}' is read as the command 'geolocator {word}', not as the {kind} {word} here; "
            f"to open the {kind} in the app, write: geolocator ./{word}")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    from .cli import build_parser, command_names  # argparse only: the heavy modules load on first use

    if argv and argv[0] == "--version":
        from . import __version__

        try:
            print(f"geolocator {__version__}", flush=True)
        except BrokenPipeError:  # `geolocator --version | true`: no traceback (cli.reader_gone)
            from .cli import reader_gone

            return reader_gone()
        return 0
    if not argv or argv[0] not in command_names():
        from .gui.app import _parser as app_parser  # argparse only: Qt loads in gui_main

        known, _ = app_parser().parse_known_args(argv)
        commands = list(build_parser().commands)
        for word in known.paths:
            # GDAL's GPKG:area.gpkg:TABLE (a gpkg.TableName) names its file: it exists, not the whole text (trial37:
            # the app refused the table name its own warning and docs offer "on its command line")
            if not Path(getattr(word, "file", word)).exists():
                print(unknown_word_message(str(word), commands), file=sys.stderr)
                return 2
        from .gui.app import main as gui_main

        return gui_main(argv)
    note = shadowed_path_note(argv[0]) if not argv[0].startswith("-") else None
    if note:  # said first: an argparse error about the rest of the line follows it
        print(note, file=sys.stderr)
    from .cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
