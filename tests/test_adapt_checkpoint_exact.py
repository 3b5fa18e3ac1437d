"""Exact answers of the adapter network and its files (session 8, written for mutation testing of
core/adapt/adapter.py and core/adapt/checkpoint.py).

Tiny networks (3 -> 2) with weights set by hand, so every output is worked out on paper here:
enc = Linear(W, b) then BatchNorm1d in eval mode with eps set to 0, i.e.
code = gamma * (W x + b - running_mean) / sqrt(running_var) + beta. No training, no backbone.
"""

import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from geolocator.core.adapt import checkpoint
from geolocator.core.adapt.adapter import QUERY, TILE, RegionAdapter, SharedAutoEncoder
from geolocator.core.errors import AdapterMismatch, InputError

SQ5 = 5 ** 0.5


def input_error(call, path, problem: str, prefix: bool = False) -> None:
    """`call()` raises InputError naming exactly `path`, with exactly `problem` (or starting with it)."""
    with pytest.raises(InputError) as info:
        call()
    assert info.value.path == Path(path)
    if prefix:
        assert info.value.problem.startswith(problem), info.value.problem
    else:
        assert info.value.problem == problem


def hand_model(domain_centering: bool = False) -> SharedAutoEncoder:
    """enc: W = [[1,0,0],[0,1,1]], b = [0, 0.5]; BN mean 0, var [4, 1], gamma [2, 1], beta [0, -1],
    eps 0: code = [z0, z1 - 1] with z = W x + b."""
    m = SharedAutoEncoder(3, 2, domain_centering=domain_centering)
    with torch.no_grad():
        m.enc[0].weight.copy_(torch.tensor([[1.0, 0, 0], [0, 1, 1]]))
        m.enc[0].bias.copy_(torch.tensor([0.0, 0.5]))
        bn = m.enc[1]
        bn.running_mean.zero_()
        bn.running_var.copy_(torch.tensor([4.0, 1.0]))
        bn.weight.copy_(torch.tensor([2.0, 1.0]))
        bn.bias.copy_(torch.tensor([0.0, -1.0]))
        bn.eps = 0.0
        # decoder: Linear(2->3) W = [[1,0],[0,1],[1,1]], b = 0; BN identity (var 1, eps 0)
        m.dec[0].weight.copy_(torch.tensor([[1.0, 0], [0, 1], [1, 1]]))
        m.dec[0].bias.zero_()
        m.dec[1].eps = 0.0
        m.mean_tile.copy_(torch.tensor([3.0, 2.0, 1.5]))
        m.mean_query.copy_(torch.tensor([2.0, 2.0, 2.5]))
    return m


# ---------------------------------------------------------------- SharedAutoEncoder


def test_arch_and_from_arch_round_trip_with_types_and_defaults():
    m = SharedAutoEncoder(5, 7, domain_centering=1)
    assert m.arch() == {"kind": "shared_autoencoder", "dim": 5, "hidden": 7, "domain_centering": True}
    assert SharedAutoEncoder(4).hidden == 2048 and SharedAutoEncoder(4).domain_centering is False
    assert SharedAutoEncoder(4).arch()["domain_centering"] is False
    b = SharedAutoEncoder.from_arch({"kind": "shared_autoencoder", "dim": "6", "hidden": 3.0})
    assert (b.dim, b.hidden, b.domain_centering) == (6, 3, False)
    assert type(b.dim) is int and type(b.hidden) is int
    c = SharedAutoEncoder.from_arch({"kind": "shared_autoencoder", "dim": 2, "hidden": 3, "domain_centering": 1})
    assert c.domain_centering is True
    assert tuple(c.enc[0].weight.shape) == (3, 2) and tuple(c.dec[0].weight.shape) == (2, 3)
    assert tuple(c.enc[1].running_mean.shape) == (3,) and tuple(c.dec[1].running_mean.shape) == (2,)
    with pytest.raises(ValueError, match=re.escape("unknown adapter kind 'mlp'")):
        SharedAutoEncoder.from_arch({"kind": "mlp", "dim": 2, "hidden": 3})
    with pytest.raises(ValueError, match=re.escape("unknown adapter kind None")):
        SharedAutoEncoder.from_arch({"dim": 2, "hidden": 3})


def test_domain_means_are_zero_buffers_saved_with_the_weights():
    m = SharedAutoEncoder(3, 2)
    state = m.state_dict()
    assert torch.equal(state["mean_tile"], torch.zeros(3)) and torch.equal(state["mean_query"], torch.zeros(3))
    assert sorted(state) == sorted([
        "enc.0.weight", "enc.0.bias", "enc.1.weight", "enc.1.bias", "enc.1.running_mean", "enc.1.running_var",
        "enc.1.num_batches_tracked", "dec.0.weight", "dec.0.bias", "dec.1.weight", "dec.1.bias",
        "dec.1.running_mean", "dec.1.running_var", "dec.1.num_batches_tracked", "mean_tile", "mean_query"])


def test_prepare_centres_each_domain_and_renormalises():
    x = torch.tensor([[3.0, 2.0, 2.5], [3.0, 2.0, 5.5]])
    plain = hand_model(False)
    assert plain.prepare(x, TILE) is x and plain.prepare(x, QUERY) is x
    m = hand_model(True)
    # tile: x - [3, 2, 1.5] = [0, 0, 1] and [0, 0, 4] -> unit [0, 0, 1] both
    assert torch.allclose(m.prepare(x, TILE), torch.tensor([[0.0, 0, 1], [0, 0, 1]]))
    # query: x - [2, 2, 2.5] = [1, 0, 0] and [1, 0, 3] -> [1, 0, 0] and [1, 0, 3] / sqrt(10)
    s10 = 10 ** 0.5
    assert torch.allclose(m.prepare(x, QUERY), torch.tensor([[1.0, 0, 0], [1 / s10, 0, 3 / s10]]), atol=1e-7)
    assert torch.allclose(m.prepare(x, "anything else"), m.prepare(x, QUERY))


def test_encode_and_forward_give_the_hand_computed_code_and_reconstruction():
    m = hand_model(False).eval()
    x = torch.tensor([[3.0, 2.0, 2.5], [0.0, 1.0, -1.5]])
    # z = [3, 5] -> code [3, 4]; z = [0, 0] -> code [0, -1]
    assert torch.allclose(m.encode(x, TILE), torch.tensor([[3.0, 4.0], [0.0, -1.0]]))
    inp, code, rec = m(x, TILE)
    assert inp is x
    assert torch.allclose(code, torch.tensor([[3.0, 4.0], [0.0, -1.0]]))
    # dec: [c0, c1, c0 + c1], BN identity
    assert torch.allclose(rec, torch.tensor([[3.0, 4.0, 7.0], [0.0, -1.0, -1.0]]))
    c = hand_model(True).eval()
    inp, code, _ = c(x[:1], TILE)
    assert torch.allclose(inp, torch.tensor([[0.0, 0, 1]]))  # x - mean_tile = [0, 0, 1]
    assert torch.allclose(code, torch.tensor([[0.0, 0.5]]))  # z = [0, 1.5]
    inp, code, _ = c(x[:1], QUERY)
    assert torch.allclose(inp, torch.tensor([[1.0, 0, 0]]))  # x - mean_query = [1, 0, 0]
    assert torch.allclose(code, torch.tensor([[1.0, -0.5]]))  # z = [1, 0.5]


# ---------------------------------------------------------------- RegionAdapter


def test_every_batch_of_rows_is_embedded():
    a = RegionAdapter(hand_model(False), {}, "best")
    # row k = [k, 1, 0.5]: z = [k, 2] -> code [k, 1] -> [k, 1] / sqrt(k^2 + 1), a different row each
    k = np.arange(1.0, 8.0)
    x = np.c_[k, np.ones(7), np.full(7, 0.5)]
    want = np.c_[k, np.ones(7)] / np.hypot(k, 1)[:, None]
    for batch in (2, 3, 7, 100):
        assert np.allclose(a._embed(x, TILE, batch=batch), want, atol=1e-6)


def test_region_adapter_embeds_by_hand_in_eval_mode_in_batches():
    model = hand_model(False).train()
    card = {"backbone": "fake"}
    a = RegionAdapter(model, card, "best")
    assert a.model.training is False and a.mode == "best" and a.card == card and a.card is not card
    assert (a.dim_in, a.dim_out) == (3, 2)
    x = np.array([[3.0, 2.0, 2.5], [0.0, 1.0, -1.5], [6.0, 4.0, 5.0]])  # float64 in
    # codes [3, 4], [0, -1], [6, 8.5 + 0.5 - ... ] : z = [6, 9.5] -> [6, 8.5]
    want = np.array([[0.6, 0.8], [0.0, -1.0], [6 / np.hypot(6, 8.5), 8.5 / np.hypot(6, 8.5)]], np.float32)
    for out in (a.transform_tiles(x), a._embed(x, TILE, batch=1), a._embed(x, TILE, batch=2)):
        assert out.dtype == np.float32 and out.shape == (3, 2)
        assert np.allclose(out, want, atol=1e-6)
    one = a.transform_queries(x[1:2])  # a single row: BatchNorm in training mode would refuse it
    assert np.allclose(one, [[0.0, -1.0]])
    views = a.transform_tiles(np.stack([x[:2], x[1:]]))  # (2, 2, 3) -> (2, 2, 2)
    assert views.shape == (2, 2, 2)
    assert np.allclose(views, np.stack([want[:2], want[1:]]), atol=1e-6)


def test_tiles_and_queries_use_their_own_domain_mean():
    a = RegionAdapter(hand_model(True), {}, "best")
    x = np.array([[3.0, 2.0, 2.5]], np.float32)
    # tile: prepared [0, 0, 1] -> z [0, 1.5] -> code [0, 0.5] -> [0, 1]
    assert np.allclose(a.transform_tiles(x), [[0.0, 1.0]], atol=1e-6)
    # query: prepared [1, 0, 0] -> z [1, 0.5] -> code [1, -0.5] -> [2, -1] / sqrt 5
    assert np.allclose(a.transform_queries(x), [[2 / SQ5, -1 / SQ5]], atol=1e-6)


def test_a_feature_size_mismatch_names_both_sizes_and_the_backbone():
    a = RegionAdapter(hand_model(), {"backbone": "dinov2"}, "best")
    msg = "this adapter expects 3-d backbone features, got 4-d (backbone 'dinov2')"
    with pytest.raises(AdapterMismatch, match=re.escape(msg)):
        a.transform_tiles(np.zeros((2, 1, 4)))
    with pytest.raises(AdapterMismatch, match=re.escape("got 2-d (backbone 'unknown')")):
        RegionAdapter(hand_model(), {}, "x").transform_queries(np.zeros((3, 2)))


def test_repr():
    assert repr(RegionAdapter(hand_model(), {}, "paper")) == "RegionAdapter(mode='paper', 3->2)"


def test_save_merges_the_card_and_load_reads_it_back(tmp_path):
    a = RegionAdapter(hand_model(True), {"backbone": "b1", "steps": 3}, "best")
    path = tmp_path / "r.safetensors"
    assert a.save(path, {"steps": 9, "mode": "caller's", "tileset": "t"}) == path
    want = {"backbone": "b1", "steps": 9, "mode": "best", "tileset": "t",
            "arch": {"kind": "shared_autoencoder", "dim": 3, "hidden": 2, "domain_centering": True}}
    assert a.card == want
    assert json.loads(checkpoint.card_path(path).read_text()) == want
    with pytest.raises(AdapterMismatch, match="backbone 'b1', but the backbone in use is 'b2'"):
        RegionAdapter.load(path, expect_backbone="b2")
    with pytest.raises(AdapterMismatch, match="adapter expects 3-d backbone features, but the features in use are 5-d"):
        RegionAdapter.load(path, expect_dim=5)
    b = RegionAdapter.load(path, expect_backbone="b1", expect_dim=3)
    assert b.mode == "best" and b.card == want and b.model.training is False
    x = np.array([[3.0, 2.0, 2.5]], np.float32)
    assert np.allclose(b.transform_queries(x), [[2 / SQ5, -1 / SQ5]], atol=1e-6)
    c = RegionAdapter(hand_model(), {}, "paper")
    c.save(tmp_path / "c.safetensors")  # no card: only the adapter's own facts
    assert c.card == {"mode": "paper", "arch": {"kind": "shared_autoencoder", "dim": 3, "hidden": 2,
                                                "domain_centering": False}}


def test_a_card_without_mode_loads_as_unknown(tmp_path):
    m = hand_model()
    path = checkpoint.save_adapter(tmp_path / "n.safetensors", m, {"arch": m.arch()})
    assert RegionAdapter.load(path).mode == "unknown"


# ---------------------------------------------------------------- checkpoint files


def test_card_path_appends_json():
    assert checkpoint.card_path("a/b.safetensors") == Path("a/b.safetensors.json")
    assert checkpoint.card_path(Path("x")) == Path("x.json")


def test_save_adapter_writes_metadata_tensors_and_the_sidecar_exactly(tmp_path):
    from safetensors import safe_open

    m = hand_model(True)
    card = {"b": Path("p/q"), "a": 1, "arch": m.arch()}
    path = checkpoint.save_adapter(str(tmp_path / "s.safetensors"), m, card)
    assert path == tmp_path / "s.safetensors"
    with safe_open(str(path), framework="pt") as f:
        meta = f.metadata()
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    assert meta == {"format": "geolocator-adapter", "format_version": "1",
                    "card": '{"a": 1, "arch": {"dim": 3, "domain_centering": true, "hidden": 2, '
                            '"kind": "shared_autoencoder"}, "b": "p/q"}'}
    assert sorted(tensors) == sorted(m.state_dict())
    assert torch.equal(tensors["enc.0.weight"], torch.tensor([[1.0, 0, 0], [0, 1, 1]]))
    assert torch.equal(tensors["mean_query"], torch.tensor([2.0, 2.0, 2.5]))
    side = (tmp_path / "s.safetensors.json").read_text()
    assert side == ('{\n  "a": 1,\n  "arch": {\n    "dim": 3,\n    "domain_centering": true,\n    "hidden": 2,\n'
                    '    "kind": "shared_autoencoder"\n  },\n  "b": "p/q"\n}\n')
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.safetensors", "s.safetensors.json"]


class _Tile:
    def __init__(self, path):
        self.path = path


class _TileSet:
    def __init__(self, fp, paths):
        self.fp, self.tiles = fp, [_Tile(p) for p in paths]

    def fingerprint(self):
        return self.fp


def test_tileset_content_key_hashes_the_fingerprint_and_each_file_once(tmp_path):
    from geolocator.core.cache import file_key

    a, b = tmp_path / "a.png", tmp_path / "b.png"
    a.write_bytes(b"1")
    b.write_bytes(b"22")
    h = hashlib.sha256(b"FP")
    for p in (a, b):  # sorted paths, each once
        h.update(f"{p}|{file_key(p)}\n".encode())
    want = h.hexdigest()[:16]
    assert checkpoint.tileset_content_key(_TileSet("FP", [b, a, b])) == want
    assert checkpoint.tileset_content_key(_TileSet("FP", [str(a), b])) == want
    assert len(want) == 16
    assert checkpoint.tileset_content_key(_TileSet("FQ", [a, b])) != want


class _FakeAdapter:
    def __init__(self, fail: int):
        self.fail, self.calls = fail, []

    def save(self, path, card):
        self.calls.append((Path(path), card))
        if len(self.calls) <= self.fail:
            raise (OSError("nope") if len(self.calls) == 1 else InputError(path, "nope"))
        return Path(path)


def test_save_fallback_tries_the_data_folder_then_the_temp_folder(tmp_path, monkeypatch):
    import platformdirs
    import tempfile
    import time

    monkeypatch.setattr(platformdirs, "user_data_dir", lambda app: str(tmp_path / "data" / app))
    monkeypatch.setattr(tempfile, "gettempdir", lambda: str(tmp_path / "tmp"))
    monkeypatch.setattr(time, "strftime", lambda fmt: fmt.replace("%Y%m%d", "20261201").replace("%H%M%S", "051500"))
    name = "unsaved-adapter-20261201-051500.safetensors"
    first = tmp_path / "data" / "geolocator" / "adapters" / name
    second = tmp_path / "tmp" / name
    ok = _FakeAdapter(0)
    assert checkpoint.save_fallback(ok, {"k": 1}) == first and ok.calls == [(first, {"k": 1})]
    one = _FakeAdapter(1)  # OSError at the data folder
    assert checkpoint.save_fallback(one, {"k": 2}) == second
    assert one.calls == [(first, {"k": 2}), (second, {"k": 2})]
    both = _FakeAdapter(2)  # OSError, then a GeolocatorError
    assert checkpoint.save_fallback(both, {}) is None and len(both.calls) == 2


def _write(path, tensors, meta):
    from safetensors.torch import save_file

    save_file(tensors, str(path), metadata=meta)
    return path


def _meta(card) -> dict:
    return {"format": "geolocator-adapter", "format_version": "1",
            "card": card if isinstance(card, str) else json.dumps(card)}


def test_read_card_refuses_what_is_not_one_of_ours(tmp_path):
    t = {"w": torch.zeros(2)}
    input_error(lambda: checkpoint.read_card(tmp_path / "none.safetensors"), tmp_path / "none.safetensors",
                "no such adapter file")
    (tmp_path / "dir.safetensors").mkdir()
    input_error(lambda: checkpoint.read_card(str(tmp_path / "dir.safetensors")), tmp_path / "dir.safetensors",
                "no such adapter file")
    pickled = tmp_path / "pickle.safetensors"
    torch.save({"enc.0.weight": torch.zeros(2, 3)}, pickled)  # a pickle offered as weights
    input_error(lambda: checkpoint.read_card(pickled), pickled,
                "not a readable adapter file (corrupt or not safetensors): ", prefix=True)
    plain = _write(tmp_path / "plain.safetensors", t, None)
    input_error(lambda: checkpoint.read_card(plain), plain,
                "not a geolocator adapter (safetensors without a geolocator card)")
    with pytest.raises(InputError, match="not a geolocator adapter"):
        checkpoint.read_card(_write(tmp_path / "other.safetensors", t, {"format": "other", "format_version": "1"}))
    with pytest.raises(AdapterMismatch, match=re.escape("adapter format version '2', this app reads version 1")):
        checkpoint.read_card(_write(tmp_path / "v2.safetensors", t, {**_meta({"arch": {}}), "format_version": "2"}))
    with pytest.raises(AdapterMismatch, match=re.escape("adapter format version None")):
        checkpoint.read_card(_write(tmp_path / "v0.safetensors", t, {"format": "geolocator-adapter"}))
    for name, card in [("nojson", "{not json"), ("list", [1]), ("noarch", {"mode": "x"}), ("strarch", {"arch": "x"})]:
        with pytest.raises(InputError, match=f"{name}.safetensors.*adapter card is damaged"):
            checkpoint.read_card(_write(tmp_path / f"{name}.safetensors", t, _meta(card)))
    na = _write(tmp_path / "na.safetensors", t, _meta({"mode": "x"}))
    input_error(lambda: checkpoint.read_card(na), na, "adapter card is damaged: card has no 'arch'")
    with pytest.raises(InputError, match="adapter card is damaged"):  # no card at all
        checkpoint.read_card(_write(tmp_path / "nc.safetensors", t, {"format": "geolocator-adapter",
                                                                     "format_version": "1"}))
    good = {"arch": {"kind": "k"}, "x": [1, 2]}
    assert checkpoint.read_card(_write(tmp_path / "ok.safetensors", t, _meta(good))) == good


def test_arch_sizes_are_bounded_and_must_match_the_stored_weights(tmp_path):
    check = checkpoint._check_arch_fits_file
    none = _write(tmp_path / "none.safetensors", {"w": torch.zeros(1)}, None)
    assert checkpoint.MAX_ADAPTER_WIDTH == 65536
    for dim, hidden in [(1, 1), (65536, 65536), ("3", 2.0)]:
        check(none, {"dim": dim, "hidden": hidden})  # no enc.0.weight: only the bounds apply
    for dim, hidden in [(0, 1), (1, 0), (65537, 1), (1, 65537), (-5, 3)]:
        input_error(lambda: check(none, {"dim": dim, "hidden": hidden}), none,
                    f"adapter card sizes are out of range (dim {dim}, hidden {hidden})")
    for arch in [{"hidden": 2}, {"dim": 2}, {"dim": None, "hidden": 2}, {"dim": "x", "hidden": 2},
                 {"dim": 2, "hidden": float("inf")}]:
        input_error(lambda: check(none, arch), none, "adapter card describes no known network: ", prefix=True)
    w = _write(tmp_path / "w.safetensors", {"enc.0.weight": torch.zeros(2, 3)}, None)
    check(w, {"dim": 3, "hidden": 2})
    with pytest.raises(AdapterMismatch, match=re.escape("the card describes a 2->3 network but the file holds 3->2 weights")):
        check(w, {"dim": 2, "hidden": 3})
    v = _write(tmp_path / "v.safetensors", {"enc.0.weight": torch.zeros(4)}, None)
    with pytest.raises(AdapterMismatch, match=re.escape("the card describes a 3->4 network but the file holds ?->4 weights")):
        check(v, {"dim": 3, "hidden": 4})
    scalar = _write(tmp_path / "sc.safetensors", {"enc.0.weight": torch.tensor(1.0)}, None)
    with pytest.raises(AdapterMismatch, match=re.escape("a 3->4 network but the file holds ?->? weights")):
        check(scalar, {"dim": 3, "hidden": 4})
    garbage = tmp_path / "g.safetensors"
    garbage.write_bytes(b"\x00" * 20)
    input_error(lambda: check(garbage, {"dim": 3, "hidden": 2}), garbage,
                "not a readable adapter file (corrupt or not safetensors): ", prefix=True)


def _saved(tmp_path, name="a.safetensors", card=None, model=None):
    m = model or hand_model()
    return checkpoint.save_adapter(tmp_path / name, m, {"arch": m.arch(), **(card or {})})


def test_load_adapter_checks_backbone_and_feature_size(tmp_path):
    path = _saved(tmp_path, card={"backbone": "dino"})
    msg = "adapter was trained on features of backbone 'dino', but the backbone in use is 'effnet'"
    with pytest.raises(AdapterMismatch, match=re.escape(msg)):
        checkpoint.load_adapter(path, expect_backbone="effnet")
    model, card = checkpoint.load_adapter(path, expect_backbone="dino", expect_dim="3")
    assert card["backbone"] == "dino" and model.training is False
    assert torch.equal(model.enc[0].weight, torch.tensor([[1.0, 0, 0], [0, 1, 1]]))
    assert torch.equal(model.enc[1].running_var, torch.tensor([4.0, 1.0]))
    anyb = _saved(tmp_path, "b.safetensors")  # a card without backbone fits any
    checkpoint.load_adapter(anyb, expect_backbone="effnet")
    msg = "adapter expects 3-d backbone features, but the features in use are 4-d"
    with pytest.raises(AdapterMismatch, match=re.escape(msg)):
        checkpoint.load_adapter(anyb, expect_dim=4)
    checkpoint.load_adapter(anyb, expect_dim=3)


def test_load_adapter_refuses_a_wrong_card_or_wrong_weights(tmp_path):
    m = hand_model()
    state = {k: v.clone() for k, v in m.state_dict().items()}
    bad_kind = _write(tmp_path / "k.safetensors", state, _meta({"arch": {**m.arch(), "kind": "mlp"}}))
    input_error(lambda: checkpoint.load_adapter(bad_kind), bad_kind,
                "adapter card describes no known network: unknown adapter kind 'mlp'")
    wrong_size = _write(tmp_path / "s.safetensors", state, _meta({"arch": {**m.arch(), "hidden": 3}}))
    with pytest.raises(AdapterMismatch, match=re.escape("a 3->3 network but the file holds 3->2 weights")):
        checkpoint.load_adapter(wrong_size)
    less = {k: v for k, v in state.items() if k != "mean_tile"}
    with pytest.raises(AdapterMismatch, match=re.escape("(missing ['mean_tile'], unexpected [], wrong shape [])")):
        checkpoint.load_adapter(_write(tmp_path / "m.safetensors", less, _meta({"arch": m.arch()})))
    more = {**state, "zz": torch.zeros(1)}
    with pytest.raises(AdapterMismatch, match=re.escape("(missing [], unexpected ['zz'], wrong shape [])")):
        checkpoint.load_adapter(_write(tmp_path / "x.safetensors", more, _meta({"arch": m.arch()})))
    shaped = {**state, "dec.0.bias": torch.zeros(4)}
    with pytest.raises(AdapterMismatch, match=re.escape("(missing [], unexpected [], wrong shape ['dec.0.bias'])")):
        checkpoint.load_adapter(_write(tmp_path / "b.safetensors", shaped, _meta({"arch": m.arch()})))
    many = {k: v for k, v in state.items() if not k.startswith("dec.")}
    with pytest.raises(AdapterMismatch, match=re.escape("missing ['dec.0.bias', 'dec.0.weight', 'dec.1.bias'], unexpected")):
        checkpoint.load_adapter(_write(tmp_path / "many.safetensors", many, _meta({"arch": m.arch()})))
    four = {k: v for k, v in state.items() if not k.startswith("dec.")}
    four.update({f"z{i}": torch.zeros(1) for i in range(5)})
    four.update({k: torch.zeros(7) for k in ("enc.0.bias", "enc.1.bias", "enc.1.weight", "enc.1.running_mean",
                                             "enc.1.running_var")})
    with pytest.raises(AdapterMismatch, match=re.escape(
            "unexpected ['z0', 'z1', 'z2'], wrong shape ['enc.0.bias', 'enc.1.bias', 'enc.1.running_mean'])")):
        checkpoint.load_adapter(_write(tmp_path / "four.safetensors", four, _meta({"arch": m.arch()})))
    nan = {**state, "dec.1.weight": torch.tensor([1.0, float("nan"), 1.0])}
    npath = _write(tmp_path / "n.safetensors", nan, _meta({"arch": m.arch()}))
    input_error(lambda: checkpoint.load_adapter(npath), npath, "adapter weights contain NaN/inf (corrupt file)")
    inf = {**state, "mean_tile": torch.tensor([0.0, float("inf"), 0.0])}
    with pytest.raises(InputError, match="adapter weights contain NaN/inf"):
        checkpoint.load_adapter(_write(tmp_path / "i.safetensors", inf, _meta({"arch": m.arch()})))


def test_load_adapter_converts_stored_dtypes_to_the_network_s(tmp_path):
    m = hand_model()
    state = {k: (v.double() if v.is_floating_point() else v.clone()) for k, v in m.state_dict().items()}
    path = _write(tmp_path / "d.safetensors", state, _meta({"arch": m.arch()}))
    model, _ = checkpoint.load_adapter(path)
    assert model.enc[0].weight.dtype == torch.float32
    assert torch.equal(model.enc[0].bias, torch.tensor([0.0, 0.5]))
    assert torch.equal(model.mean_query, torch.tensor([2.0, 2.0, 2.5]))


def test_weights_unreadable_after_a_good_header_is_an_input_error(tmp_path, monkeypatch):
    import safetensors.torch

    path = _saved(tmp_path)

    def broken(*a, **k):
        raise RuntimeError("short read")

    monkeypatch.setattr(safetensors.torch, "load_file", broken)
    input_error(lambda: checkpoint.load_adapter(path), path, "adapter weights are unreadable (corrupt file): short read")
