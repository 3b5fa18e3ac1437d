"""geolocator: locate drone photos in georeferenced satellite imagery, adapted to each region without labels."""

import os

__version__ = "0.1.0"

# torch's OpenMP threads spin while waiting for work by default; next to a UI thread, decode threads
# or other jobs on busy machines that spinning starves them and the work itself. Measured on 2 shared
# cores, 10 adaptation steps of the demo in the app: 27 s and a 456 ms longest UI stall spinning,
# 2.1 s and 16 ms passive; ~30 % less CPU per extracted image. Set here, on the package's import,
# because it must happen before torch loads libgomp; a user's own setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
