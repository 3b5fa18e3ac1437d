"""ray_index without Ray: a fake `ray` module records what connect/ray_compute ask of it (session 8,
written for the mutants of core/ray_index.py). Exact calls, actors, chunk order and the in-flight bound."""

from __future__ import annotations

import sys
import types

import pytest

from geolocator.core import ray_index
from geolocator.core.errors import GeolocatorError


class _Ref:
    def __init__(self, value, log, label):
        self.value, self.log, self.label = value, log, label


def _fake_ray(monkeypatch, *, initialized=False, resources=None, signature="sig-A"):
    """A `ray` module in sys.modules; its `log` lists every call in order."""
    log: list = []
    ray = types.ModuleType("ray")
    ray.log = log
    ray.actors = []
    ray.is_initialized = lambda: initialized
    ray.init = lambda **kw: log.append(("init", kw))
    ray.cluster_resources = lambda: dict(resources if resources is not None else {"CPU": 4})

    def get(ref):
        if isinstance(ref, list):
            log.append(("get-list", [r.label for r in ref]))
            return [r.value for r in ref]
        log.append(("get", ref.label))
        return ref.value

    ray.get = get

    class _Method:
        def __init__(self, fn):
            self.fn = fn

        def remote(self, *args):
            return self.fn(*args)

    class _Actor:
        def __init__(self, index, cls, args):
            self.index, self.cls, self.args = index, cls, args
            self.signature = _Method(lambda: _Ref(signature if not callable(signature) else signature(index),
                                                  log, f"sig{index}"))

            def embed(part, views):
                label = f"embed{index}:{part}"
                log.append(("submit", index, part, views))
                return _Ref(("emb", index, tuple(part), views), log, label)

            self.embed = _Method(embed)

    def remote(**options):
        log.append(("remote", options))

        def wrap(cls):
            class _ActorClass:
                @staticmethod
                def remote(*args):
                    actor = _Actor(len(ray.actors), cls, args)
                    ray.actors.append(actor)
                    return actor

            return _ActorClass

        return wrap

    ray.remote = remote
    monkeypatch.setitem(sys.modules, "ray", ray)
    return ray


def _backbone(device="cpu", name="resnet50", pooling="gem", signature="sig-A"):
    return types.SimpleNamespace(device=device, name=name, pooling=pooling, signature=signature)


# ---- require_ray / connect -----------------------------------------------------------------------------

def test_require_ray_returns_the_module(monkeypatch):
    ray = _fake_ray(monkeypatch)
    assert ray_index.require_ray() is ray


def test_connect_to_an_initialised_ray_calls_nothing(monkeypatch):
    ray = _fake_ray(monkeypatch, initialized=True)
    assert ray_index.connect("head:6379") is ray
    assert ray_index.connect(None) is ray
    assert ray.log == []


def test_connect_to_an_address_joins_it(monkeypatch):
    ray = _fake_ray(monkeypatch)
    assert ray_index.connect("ray://head:10001", num_cpus=3) is ray
    assert ray.log == [("init", {"address": "ray://head:10001", "log_to_driver": False})]


def test_connect_without_address_starts_a_local_instance(monkeypatch):
    monkeypatch.delenv("RAY_agent_register_timeout_ms", raising=False)
    monkeypatch.delenv("RAY_raylet_start_wait_time_s", raising=False)
    ray = _fake_ray(monkeypatch)
    assert ray_index.connect(None, num_cpus=3, object_store_mb=80) is ray
    assert ray.log == [("init", {"num_cpus": 3, "include_dashboard": False, "_node_ip_address": "127.0.0.1",
                                 "object_store_memory": 80 * 1048576, "log_to_driver": False})]
    import os

    assert os.environ["RAY_agent_register_timeout_ms"] == "120000"
    assert os.environ["RAY_raylet_start_wait_time_s"] == "120"


def test_connect_local_defaults_and_keeps_the_users_timeouts(monkeypatch):
    monkeypatch.setenv("RAY_agent_register_timeout_ms", "5")
    monkeypatch.setenv("RAY_raylet_start_wait_time_s", "7")
    ray = _fake_ray(monkeypatch)
    ray_index.connect("")  # an empty address starts a local instance too
    assert ray.log == [("init", {"num_cpus": None, "include_dashboard": False, "_node_ip_address": "127.0.0.1",
                                 "object_store_memory": 536870912, "log_to_driver": False})]
    import os

    assert os.environ["RAY_agent_register_timeout_ms"] == "5"
    assert os.environ["RAY_raylet_start_wait_time_s"] == "7"


# ---- ray_compute: actors --------------------------------------------------------------------------------

def test_cpu_actors_from_the_cluster_cpus(monkeypatch):
    ray = _fake_ray(monkeypatch, resources={"CPU": 7, "GPU": 2})
    compute = ray_index.ray_compute(_backbone(), cpus_per_worker=2, batch_size=8.0, decode_workers=3.0,
                                    weights=__import__("pathlib").Path("/w/x.pt"))
    assert compute.workers == 3  # 7 // 2
    assert ray.log[0] == ("init", ray.log[0][1])  # not initialised: connect started it
    assert ray.log[1] == ("remote", {"num_cpus": 2, "num_gpus": 0})
    spec = {"name": "resnet50", "weights": "/w/x.pt", "device": "cpu", "pooling": "gem", "batch_size": 8,
            "decode_workers": 3}
    assert [a.args for a in ray.actors] == [(spec, 2)] * 3
    assert all(a.cls is ray_index._Embedder for a in ray.actors)
    assert type(ray.actors[0].args[0]["batch_size"]) is int and type(ray.actors[0].args[0]["decode_workers"]) is int
    assert ray.log[2] == ("get-list", ["sig0", "sig1", "sig2"])


def test_cpu_actors_defaults(monkeypatch):
    ray = _fake_ray(monkeypatch, resources={})  # no CPU key: one CPU
    compute = ray_index.ray_compute(_backbone(), source="/models/x.pt")
    assert compute.workers == 1
    assert ray.log[1] == ("remote", {"num_cpus": 1, "num_gpus": 0})
    assert ray.actors[0].args == ({"name": "/models/x.pt", "weights": None, "device": "cpu", "pooling": "gem",
                                   "batch_size": 32, "decode_workers": 1}, 1)


def test_zero_cpus_per_worker_counts_as_one_and_workers_at_least_one(monkeypatch):
    ray = _fake_ray(monkeypatch, resources={"CPU": 5})
    assert ray_index.ray_compute(_backbone(), cpus_per_worker=0).workers == 5
    ray = _fake_ray(monkeypatch, resources={"CPU": 5})
    assert ray_index.ray_compute(_backbone(), workers=0).workers == 1
    assert len(ray.actors) == 1
    ray = _fake_ray(monkeypatch, resources={"CPU": 1})
    assert ray_index.ray_compute(_backbone(), cpus_per_worker=3).workers == 1  # 1 // 3 = 0 -> 1


def test_explicit_workers_win_over_the_cluster(monkeypatch):
    ray = _fake_ray(monkeypatch, resources={"CPU": 64})
    assert ray_index.ray_compute(_backbone(), workers=2).workers == 2
    assert len(ray.actors) == 2


def test_gpu_actors_one_gpu_each(monkeypatch):
    ray = _fake_ray(monkeypatch, resources={"CPU": 16, "GPU": 3})
    compute = ray_index.ray_compute(_backbone(device="cuda:0"), cpus_per_worker=4)
    assert compute.workers == 3
    assert ray.log[1] == ("remote", {"num_cpus": 4, "num_gpus": 1})
    assert [a.args[1] for a in ray.actors] == [None] * 3  # GPU actors leave torch's threads alone
    assert ray.actors[0].args[0]["device"] == "cuda"


def test_gpu_cluster_without_gpus_still_gets_one_actor(monkeypatch):
    ray = _fake_ray(monkeypatch, resources={"CPU": 16})
    assert ray_index.ray_compute(_backbone(device="cuda")).workers == 1
    assert len(ray.actors) == 1


def test_another_model_on_the_workers_is_refused(monkeypatch):
    _fake_ray(monkeypatch, resources={"CPU": 3}, signature=lambda i: "sig-A" if i == 0 else "sig-Z")
    with pytest.raises(GeolocatorError) as e:
        ray_index.ray_compute(_backbone())
    assert str(e.value) == ("--ray: the workers loaded another model (sig-A, sig-Z) than this machine (sig-A); "
                            "install the same weights on every node")


def test_all_workers_on_another_model_is_refused(monkeypatch):
    _fake_ray(monkeypatch, resources={"CPU": 2}, signature="sig-B")
    with pytest.raises(GeolocatorError, match=r"^--ray: the workers loaded another model \(sig-B\) than this "
                                              r"machine \(sig-A\)"):
        ray_index.ray_compute(_backbone())


# ---- ray_compute: the chunks ----------------------------------------------------------------------------

def _events(ray):
    return [e for e in ray.log if e[0] in ("submit", "get")]


def test_chunks_round_robin_in_order_at_most_two_per_actor_in_flight(monkeypatch):
    ray = _fake_ray(monkeypatch, resources={"CPU": 2})
    compute = ray_index.ray_compute(_backbone())
    parts = [(0, 1), (2,), (3, 4), (5,), (6,), (7, 8)]
    out = list(compute(iter(parts), ["rot0", "rot90"]))
    assert out == [("emb", i % 2, tuple(p), ("rot0", "rot90")) for i, p in enumerate(parts)]
    v = ("rot0", "rot90")
    assert _events(ray) == [
        ("submit", 0, [0, 1], v), ("submit", 1, [2], v), ("submit", 0, [3, 4], v), ("submit", 1, [5], v),
        ("get", "embed0:[0, 1]"), ("submit", 0, [6], v),
        ("get", "embed1:[2]"), ("submit", 1, [7, 8], v),
        ("get", "embed0:[3, 4]"), ("get", "embed1:[5]"), ("get", "embed0:[6]"), ("get", "embed1:[7, 8]"),
    ]


def test_max_in_flight_bounds_the_submissions(monkeypatch):
    ray = _fake_ray(monkeypatch, resources={"CPU": 3})
    compute = ray_index.ray_compute(_backbone(), max_in_flight=1)
    gen = compute([[10], [11], [12], [13]], ("rot0",))
    assert next(gen) == ("emb", 0, (10,), ("rot0",))
    assert _events(ray) == [("submit", 0, [10], ("rot0",)), ("get", "embed0:[10]")]
    assert list(gen) == [("emb", 1, (11,), ("rot0",)), ("emb", 2, (12,), ("rot0",)), ("emb", 0, (13,), ("rot0",))]
    assert _events(ray)[2:] == [("submit", 1, [11], ("rot0",)), ("get", "embed1:[11]"),
                                ("submit", 2, [12], ("rot0",)), ("get", "embed2:[12]"),
                                ("submit", 0, [13], ("rot0",)), ("get", "embed0:[13]")]


def test_no_parts_nothing_submitted(monkeypatch):
    ray = _fake_ray(monkeypatch, resources={"CPU": 2})
    compute = ray_index.ray_compute(_backbone())
    assert list(compute([], ("rot0",))) == []
    assert _events(ray) == []


# ---- the actor body -------------------------------------------------------------------------------------

def test_embedder_loads_the_backbone_once_and_extracts_without_cache(monkeypatch):
    import torch

    from geolocator.core import backbones, extract

    calls = []
    fake_bb = types.SimpleNamespace(signature="sig-Q")
    monkeypatch.setattr(torch, "set_num_threads", lambda n: calls.append(("threads", n)))
    monkeypatch.setattr(backbones, "load_backbone",
                        lambda name, **kw: calls.append(("load", name, kw)) or fake_bb)
    monkeypatch.setattr(extract, "extract_features",
                        lambda items, bb, **kw: calls.append(("extract", items, bb, kw)) or "features")
    spec = {"name": "dinov2", "weights": "/w.pt", "device": "cpu", "pooling": "cls", "batch_size": 5,
            "decode_workers": 2}
    emb = ray_index._Embedder(spec, 3)
    assert calls == [("threads", 3), ("load", "dinov2", {"weights": "/w.pt", "device": "cpu", "pooling": "cls"})]
    assert emb.signature() == "sig-Q" and emb.spec is spec
    assert emb.embed(["a", "b"], ("rot0",)) == "features"
    assert calls[2] == ("extract", ["a", "b"], fake_bb,
                        {"views": ("rot0",), "cache": None, "batch_size": 5, "workers": 2})


def test_embedder_without_threads_leaves_torch_alone_and_weights_optional(monkeypatch):
    import torch

    from geolocator.core import backbones

    calls = []
    monkeypatch.setattr(torch, "set_num_threads", lambda n: calls.append(("threads", n)))
    monkeypatch.setattr(backbones, "load_backbone",
                        lambda name, **kw: calls.append(("load", name, kw)) or types.SimpleNamespace(signature="s"))
    ray_index._Embedder({"name": "m", "device": "cuda", "pooling": "gem"}, None)
    ray_index._Embedder({"name": "m", "device": "cuda", "pooling": "gem"}, 0)
    assert calls == [("load", "m", {"weights": None, "device": "cuda", "pooling": "gem"})] * 2


def test_require_ray_without_ray_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError
    with pytest.raises(GeolocatorError) as e:
        ray_index.require_ray()
    assert str(e.value) == '--ray: Ray is not installed: pip install "geolocator[ray]" (or: pip install "ray>=2.9")'
    assert isinstance(e.value.__cause__, ImportError)


def test_ray_compute_joins_the_given_address(monkeypatch):
    ray = _fake_ray(monkeypatch, resources={"CPU": 1})
    ray_index.ray_compute(_backbone(), address="head:6379")
    assert ray.log[0] == ("init", {"address": "head:6379", "log_to_driver": False})


def test_parts_are_not_asked_for_again_once_exhausted(monkeypatch):
    """The driver stops calling next() on the chunk iterator at its end (one call past the last)."""
    _fake_ray(monkeypatch, resources={"CPU": 2})
    compute = ray_index.ray_compute(_backbone())

    class Parts:
        def __init__(self):
            self.calls = 0
            self.items = [[1], [2], [3]]

        def __iter__(self):
            return self

        def __next__(self):
            self.calls += 1
            if self.items:
                return self.items.pop(0)
            raise StopIteration

    parts = Parts()
    assert [r[2] for r in compute(parts, ("rot0",))] == [(1,), (2,), (3,)]
    assert parts.calls == 4
