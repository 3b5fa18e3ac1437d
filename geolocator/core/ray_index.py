"""Tile extraction spread over a Ray cluster (`geolocator index TILESET --ray [ADDRESS]`).

Ray (https://docs.ray.io) is an optional extra: `pip install "geolocator[ray]"`. Each Ray actor loads
the frozen backbone ONCE and embeds whole chunks (extract.STORE_CHUNK tiles, decoded in the actor);
the driver receives the chunks in submission order and appends them to the same feature store as
a local run, with the same commits, so the store is identical and an interrupted run resumes the
same way. Workers read the tile files themselves: on a cluster the tile set must be on a path
every node sees (shared or network file system) — only file paths travel, never pixels.

A GPU cluster: `--device cuda` gives each actor one GPU (num_gpus=1); on CPUs each actor takes
`cpus_per_worker` cores.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence

from .errors import GeolocatorError

INSTALL_HINT = 'Ray is not installed: pip install "geolocator[ray]" (or: pip install "ray>=2.9")'


def require_ray():
    try:
        import ray
    except ImportError as e:
        raise GeolocatorError(f"--ray: {INSTALL_HINT}") from e
    return ray


def connect(address: str | None, *, num_cpus: int | None = None, object_store_mb: int = 512):
    """Join the cluster at `address` ("auto", "ray://host:10001", "host:6379"), or start a local
    instance on this machine when None (no dashboard; Ray itself swaps 127.0.0.1 for this
    machine's interface address, so other machines could join it)."""
    ray = require_ray()
    if ray.is_initialized():
        return ray
    if address:
        ray.init(address=address, log_to_driver=False)
    else:
        # On a busy machine Ray's agent processes can take longer than the raylet's default wait
        # for them (it then aborts the start): give them two minutes.
        os.environ.setdefault("RAY_agent_register_timeout_ms", "120000")
        os.environ.setdefault("RAY_raylet_start_wait_time_s", "120")
        ray.init(num_cpus=num_cpus, include_dashboard=False, _node_ip_address="127.0.0.1",
                 object_store_memory=object_store_mb * 2**20, log_to_driver=False)
    return ray


class _Embedder:
    """Ray actor body: one backbone per worker process, loaded once."""

    def __init__(self, spec: dict, threads: int | None) -> None:
        import torch

        from .backbones import load_backbone

        if threads:
            torch.set_num_threads(threads)
        self.backbone = load_backbone(spec["name"], weights=spec.get("weights"), device=spec["device"],
                                      pooling=spec["pooling"])
        self.spec = spec

    def signature(self) -> str:
        return self.backbone.signature

    def embed(self, items: Sequence, views: Sequence[str]):
        from .extract import extract_features

        return extract_features(items, self.backbone, views=views, cache=None,
                                batch_size=self.spec["batch_size"], workers=self.spec["decode_workers"])


def ray_compute(backbone, *, source: str | None = None, address: str | None = None, workers: int | None = None,
                cpus_per_worker: int = 1, batch_size: int = 32, decode_workers: int = 1, weights=None,
                max_in_flight: int | None = None):
    """A `compute` for extract.extract_into_store that runs the chunks on Ray actors.

    backbone: the locally loaded Backbone; source: what it was loaded from (load_backbone's name:
    a model name or a TorchScript file; default backbone.name). The actors load the same and must
    end with the same signature (checked). workers: actors (default: the cluster's CPUs // cpus_per_worker,
    or its GPUs with device cuda). Results come back in submission order; at most max_in_flight
    chunks (default 2 per actor) are out at once, so the driver's memory stays bounded."""
    ray = connect(address)
    gpu = str(backbone.device).startswith("cuda")
    resources = ray.cluster_resources()
    if workers is None:
        workers = int(resources.get("GPU", 0)) if gpu else int(resources.get("CPU", 1)) // max(1, cpus_per_worker)
    workers = max(1, workers)
    spec = {"name": source or backbone.name, "weights": None if weights is None else str(weights),
            "device": "cuda" if gpu else "cpu", "pooling": backbone.pooling,
            "batch_size": int(batch_size), "decode_workers": int(decode_workers)}
    actor_cls = ray.remote(num_cpus=cpus_per_worker, num_gpus=1 if gpu else 0)(_Embedder)
    actors = [actor_cls.remote(spec, None if gpu else cpus_per_worker) for _ in range(workers)]
    signatures = set(ray.get([a.signature.remote() for a in actors]))
    if signatures != {backbone.signature}:
        raise GeolocatorError(f"--ray: the workers loaded another model ({', '.join(sorted(signatures))}) than "
                              f"this machine ({backbone.signature}); install the same weights on every node")
    in_flight = max_in_flight or 2 * workers

    def compute(parts: Iterable[Sequence], views: Sequence[str]) -> Iterator:
        pending = []  # (ObjectRef) in submission order
        parts = iter(parts)
        turn = 0
        exhausted = False
        while True:
            while not exhausted and len(pending) < in_flight:
                part = next(parts, None)
                if part is None:
                    exhausted = True
                    break
                pending.append(actors[turn % len(actors)].embed.remote(list(part), tuple(views)))
                turn += 1
            if not pending:
                return
            yield ray.get(pending.pop(0))

    compute.workers = workers
    return compute
