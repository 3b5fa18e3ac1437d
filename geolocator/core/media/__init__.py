"""Where drone imagery comes from besides single photo files: video frames and their telemetry."""
