"""Entry script PyInstaller freezes: the same `geolocator` command as the console script."""

import multiprocessing
import sys

if __name__ == "__main__":
    # A frozen app that ever starts worker processes (spawn) must let them run this first.
    multiprocessing.freeze_support()
    from geolocator.__main__ import main

    sys.exit(main())
