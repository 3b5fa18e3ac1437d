"""Runtime hook of the macOS bundle: torch and faiss each ship an OpenMP runtime (libomp).

Two copies in one process make Intel's OpenMP abort at start-up unless told to tolerate it; this is
the usual workaround for torch + faiss on macOS (not tested on a Mac by this project yet)."""

import os

os.environ.setdefault("KMP_DUPLICATE_LIB_OK", "TRUE")
