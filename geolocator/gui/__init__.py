"""The desktop app (PySide6). Widgets only wire to core calls; see app.py for the entry point."""

import os
import sys

# QtWebEngine's software rendering loads Mesa's libLLVM; triton's libtriton carries its own LLVM whose
# static initialisers then crash the process when torch imports triton later (segfault in
# llvm::DebugCounter, seen on Linux). torch only needs triton for torch.compile on GPUs, which the app
# never uses, so the GUI process hides it unless asked not to.
if "triton" not in sys.modules and not os.environ.get("GEOLOCATOR_ALLOW_TRITON"):
    sys.modules["triton"] = None  # type: ignore[assignment]

# torch's OpenMP threads spin while waiting for work by default; next to a UI thread (and on busy
# machines) that spinning starves both the window and the work itself. Measured on 2 shared cores,
# 10 adaptation steps of the demo: 27 s and a 456 ms longest UI stall spinning, 2.1 s and 16 ms passive.
# Must be set before torch loads libgomp; a user's own setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
