"""Where drone imagery comes from: photo metadata (metadata.py; decoding rules live in
core/images.py), video frames and their telemetry (video.py, telemetry.py), and the one way to read
a query's pixels (query_image.py)."""
