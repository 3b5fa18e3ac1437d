"""Where photos (and later videos) come from: decoding rules live in core/images.py, metadata here."""
