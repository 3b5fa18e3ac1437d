"""The desktop app (PySide6). Widgets only wire to core calls; see app.py for the entry point."""

import os
import sys

# QtWebEngine's software rendering loads Mesa's libLLVM; triton's libtriton carries its own LLVM whose
# static initialisers then crash the process when torch imports triton later (segfault in
# llvm::DebugCounter, seen on Linux). torch only needs triton for torch.compile on GPUs, which the app
# never uses, so the GUI process hides it unless asked not to.
if "triton" not in sys.modules and not os.environ.get("GEOLOCATOR_ALLOW_TRITON"):
    sys.modules["triton"] = None  # type: ignore[assignment]
