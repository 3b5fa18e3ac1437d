"""Resuming an interrupted adaptation from its last EM round.

An adaptation killed part way (kill -9, the app closed, Cancel) used to compute every EM step again.
`adapt()` (em.py) now saves the whole training state at the end of each EM round but the last, into
one file per run key in a folder of the cache:

    <folder>/<key>.safetensors       the tensors (the network, the logit scale, AdamW's moments and
                                      step counts, the sampling generator's state) and, in the
                                      safetensors metadata, the card (JSON): format, key, the round
                                      and step reached, AdamW's parameter groups, the scheduler's
                                      state, the last step's metrics
    <folder>/<key>.safetensors.json  a readable copy of the card (informational, never read back)

The key (`run_key`) is a hash of everything that decides the result: the tile and photo features
themselves (their bytes, so a changed tile, photo, backbone or view layout gives another key), the
geometric anchors, every hyper-parameter, the seed, the device type and the caller's own facts
(the backbone's signature). A checkpoint of another key is never read. The file is written to a
temporary name and renamed into place (outputs.write_atomic), so a kill while writing leaves the
previous round's file; a file that does not load, or whose card or tensors do not fit this run, is
ignored with one warning and the run starts over. A finished run removes its checkpoint; the
folder keeps the checkpoints of KEEP_RUNS runs at most (`tidy`).

Resuming gives the same adapter as an uninterrupted run (bit for bit on the CPU): the state saved is
exactly what the next round starts from, and the next round recomputes its E-step from it.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from ..store_prune import checkpoint_card

log = logging.getLogger("geolocator")

FORMAT = "geolocator-adapt-checkpoint"
FORMAT_VERSION = "1"


def run_key(tiles: np.ndarray, queries: np.ndarray, anchors: np.ndarray | None, config, seed: int,
            device: torch.device, extra: str = "") -> str:
    """A 32-hex-digit key of one adaptation run: blake2b of the tile features (N, V, D) and photo
    features (Q, Vq, D) as float32 bytes with their shapes, the anchors ((Q,) int64 or none), the
    hyper-parameters (Config as a dict), the seed, the device type and `extra` (the caller's facts,
    e.g. the backbone signature). Two runs with one key compute the same adapter."""
    h = hashlib.blake2b(digest_size=16)
    facts = {"format": FORMAT_VERSION, "config": asdict(config), "seed": int(seed), "device": device.type,
             "tiles": list(tiles.shape), "queries": list(queries.shape), "extra": extra,
             "anchors": None if anchors is None else list(anchors.shape), "torch": torch.__version__}
    h.update(json.dumps(facts, sort_keys=True, default=str).encode())
    for array in (tiles, queries) + (() if anchors is None else (anchors,)):
        h.update(np.ascontiguousarray(array).data)
    return h.hexdigest()


def checkpoint_path(folder: Path | str, key: str) -> Path:
    return Path(folder) / f"{key}.safetensors"


def save_state(folder: Path | str, key: str, *, step: int, round_done: int, rounds: int, model, scale, opt,
               sched, gen: torch.Generator, metrics: dict) -> Path | None:
    """Write the training state after `step` steps (the end of round `round_done` of `rounds`).
    Atomic (temporary file, then rename). Returns the file, or None when it could not be written
    (a full disk, a read-only cache): one warning, and training goes on without a checkpoint."""
    from safetensors.torch import save_file

    from ..outputs import OutputError, write_atomic

    path = checkpoint_path(folder, key)
    tensors = {f"model.{k}": v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    tensors.update({f"scale.{k}": v.detach().cpu().contiguous() for k, v in scale.state_dict().items()})
    opt_state = opt.state_dict()
    for index, state in opt_state["state"].items():
        for name, value in state.items():
            tensors[f"opt.{index}.{name}"] = torch.as_tensor(value).detach().cpu().contiguous()
    tensors["gen"] = gen.get_state()
    sched_state = {k: v for k, v in sched.state_dict().items() if k != "lr_lambdas"}
    card = {"format": FORMAT, "format_version": FORMAT_VERSION, "key": key, "step": int(step),
            "round": int(round_done), "rounds": int(rounds), "param_groups": opt_state["param_groups"],
            "scheduler": sched_state, "metrics": metrics}
    text = json.dumps(card, sort_keys=True)
    tidy(folder, keep=key)
    try:
        write_atomic(path, lambda tmp: save_file(tensors, tmp, metadata={"format": FORMAT, "card": text}))
        write_atomic(checkpoint_card(path),
                     lambda tmp: Path(tmp).write_text(json.dumps(card, indent=2, sort_keys=True) + "\n"))
    except OutputError as exc:
        log.warning("the adaptation's checkpoint cannot be written (%s): an interrupted run will start over",
                    exc)
        return None
    return path


def load_state(folder: Path | str, key: str, *, steps: int, every: int, model, scale, opt, sched,
               gen: torch.Generator) -> dict | None:
    """Restore the state saved for `key` into model, scale, opt, sched and gen; returns its card
    ({"step", "round", "rounds", "metrics", ...}), or None when there is no checkpoint for this key.
    `every`: the steps of one round; a checkpoint is only taken at a round's end. A checkpoint that
    cannot be read or does not fit (damaged, another format, another key, a step outside
    1..steps-1 or not at a round's end, tensors of other shapes or not finite) is never used: one warning naming
    the file, the objects are left as they were, and None is returned."""
    path = checkpoint_path(folder, key)
    if not path.is_file():
        return None
    try:
        card, tensors = _read(path)
        if card.get("format") != FORMAT or card.get("format_version") != FORMAT_VERSION:
            raise ValueError("not an adaptation checkpoint of this version")
        if card.get("key") != key:
            raise ValueError("it belongs to another run")
        if not 0 < int(card["step"]) < steps:
            raise ValueError(f"step {card['step']} is outside this run's 1..{steps - 1}")
        if int(card["step"]) % every:
            raise ValueError(f"step {card['step']} is not the end of a round of {every} steps")
        if not all(torch.isfinite(t).all() for t in tensors.values() if t.is_floating_point()):
            raise ValueError("its tensors hold NaN or inf")
        model_state = {k[6:]: v for k, v in tensors.items() if k.startswith("model.")}
        scale_state = {k[6:]: v for k, v in tensors.items() if k.startswith("scale.")}
        opt_tensors: dict[int, dict] = {}
        for k, v in tensors.items():
            if k.startswith("opt."):
                _, index, name = k.split(".", 2)
                opt_tensors.setdefault(int(index), {})[name] = v
        groups = card["param_groups"]
        for group in groups:
            if "betas" in group:
                group["betas"] = tuple(group["betas"])
        snapshot = (_copy(model.state_dict()), _copy(scale.state_dict()), opt.state_dict(), sched.state_dict(),
                    gen.get_state())
        try:
            model.load_state_dict(model_state, strict=True)
            scale.load_state_dict(scale_state, strict=True)
            opt.load_state_dict({"state": opt_tensors, "param_groups": groups})
            sched.load_state_dict({**sched.state_dict(), **card["scheduler"]})
            gen.set_state(tensors["gen"])
        except Exception:
            model.load_state_dict(snapshot[0])
            scale.load_state_dict(snapshot[1])
            opt.load_state_dict(snapshot[2])
            sched.load_state_dict(snapshot[3])
            gen.set_state(snapshot[4])
            raise
    except Exception as exc:  # noqa: BLE001 - whatever is wrong with it, it is not trusted
        log.warning("%s: the adaptation checkpoint is not used (%s); adapting from the start", path,
                    str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        return None
    return card


def _read(path: Path) -> tuple[dict, dict]:
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as f:
        meta = f.metadata() or {}
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    if meta.get("format") != FORMAT:
        raise ValueError("not an adaptation checkpoint")
    card = json.loads(meta["card"])
    if not isinstance(card, dict):
        raise ValueError("its card is damaged")
    return card, tensors


def _copy(state: dict) -> dict:
    return {k: v.clone() for k, v in state.items()}


KEEP_RUNS = 4  # checkpoints of this many runs at most (the newest); each is ~3x the adapter (AdamW's moments)
STALE_TMP_S = 3600.0  # a temporary file this old is a write that was killed


def tidy(folder: Path | str, keep: str, now: float | None = None) -> None:
    """Bound the folder: keep the checkpoint of run `keep` and the newest KEEP_RUNS - 1 others (by
    modification time: runs interrupted and never run again with the same inputs, e.g. other
    photos, are never resumed), and remove temporary files older than STALE_TMP_S seconds."""
    import time

    from ..store_prune import dated_ahead

    folder = Path(folder)
    if not folder.is_dir():
        return
    now = time.time() if now is None else now
    others = []
    for p in folder.iterdir():
        try:
            if p.name.endswith(".tmp"):
                mtime = p.stat().st_mtime  # dated ahead: written while the clock ran ahead, no write in flight
                if now - mtime > STALE_TMP_S or dated_ahead(mtime, now):
                    p.unlink(missing_ok=True)
            elif p.suffix == ".safetensors" and p.stem != keep:
                others.append((p.stat().st_mtime, p))
        except OSError:
            continue
    for _, p in sorted(others, reverse=True)[KEEP_RUNS - 1:]:
        remove(folder, p.stem)


def remove(folder: Path | str, key: str) -> None:
    """Remove the checkpoint of a finished run (and its card); missing files are fine."""
    path = checkpoint_path(folder, key)
    for p in (path, checkpoint_card(path)):
        try:
            p.unlink(missing_ok=True)
        except OSError:
            pass
