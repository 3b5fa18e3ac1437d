"""geolocator: locate drone photos in georeferenced satellite imagery, adapted to each region without labels."""

__version__ = "0.1.0"
