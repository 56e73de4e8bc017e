"""Reading official checkpoints, proving they are genuine, and interpolating them."""

from __future__ import annotations

import hashlib
from pathlib import Path

import torch
from torch import nn

from upscaler_worker.export.archs import build_network
from upscaler_worker.export.fetch import FetchedFile, FetchedNcnn
from upscaler_worker.export.manifest import ModelSpec, NcnnDistribution

StateDict = dict[str, torch.Tensor]


class VerificationError(Exception):
    """The file was reached but is not the file the manifest describes."""


def read_state_dict(path: Path) -> StateDict:
    """The network weights of an official checkpoint.

    Releases store them under ``params_ema`` (the exponential moving average the
    authors evaluate) and/or ``params``; like the official loader, prefer the EMA.
    ``weights_only`` refuses pickled code: a checkpoint is data, never a program.
    """
    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # unpickling errors come in many types
        reason = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else type(exc).__name__
        raise VerificationError(
            f"{path.name}: not a readable PyTorch checkpoint ({reason})"
        ) from exc
    if not isinstance(loaded, dict):
        raise VerificationError(f"{path.name}: not a state-dict checkpoint")
    for key in ("params_ema", "params"):
        if key in loaded:
            loaded = loaded[key]
            break
    if not all(isinstance(value, torch.Tensor) for value in loaded.values()):
        raise VerificationError(f"{path.name}: checkpoint holds something other than tensors")
    return {str(name): tensor for name, tensor in loaded.items()}


def tensor_sha256(state: StateDict) -> str:
    """A digest of the weights themselves, independent of how the file was packed:
    every tensor in name order, as name, dtype, shape and little-endian bytes."""
    digest = hashlib.sha256()
    for name in sorted(state):
        tensor = state[name].detach().cpu().contiguous()
        digest.update(f"{name}\0{tensor.dtype}\0{tuple(tensor.shape)}\0".encode())
        digest.update(tensor.numpy().astype(tensor.numpy().dtype.newbyteorder("<")).tobytes())
    return digest.hexdigest()


def check_file_hash(spec: ModelSpec, fetched: FetchedFile) -> None:
    """Refuse, before unpickling anything, a file whose hash is known to be
    wrong: one that matches neither the official hash nor a documented
    exception, when no tensor digest could still vouch for it."""
    known = {spec.sha256, *(item.sha256 for item in spec.local_exceptions)} - {None}
    if known and fetched.sha256 not in known and spec.tensor_sha256 is None:
        raise VerificationError(
            f"{spec.name}: sha256 {fetched.sha256[:16]}... of {fetched.url} matches neither "
            "the official hash nor a documented exception"
        )


def verify(spec: ModelSpec, fetched: FetchedFile, state: StateDict) -> str:
    """How the file was verified, or VerificationError.

    A known file hash (official, or a documented local exception) accepts the
    file; a known tensor digest is checked in every case, so a re-packed copy is
    accepted only if it carries the released tensors. With neither published,
    the file is accepted as "unverified" and only the strict load vouches for it.
    """
    ways = []
    if spec.sha256 is not None and fetched.sha256 == spec.sha256:
        ways.append("sha256")
    elif any(fetched.sha256 == item.sha256 for item in spec.local_exceptions):
        ways.append("local-exception-sha256")
    if spec.tensor_sha256 is not None:
        if tensor_sha256(state) != spec.tensor_sha256:
            raise VerificationError(
                f"{spec.name}: the weights in {fetched.url} are not the released ones"
            )
        ways.append("tensor-sha256")
    if ways:
        return "+".join(ways)
    if spec.sha256 is not None or spec.local_exceptions:
        raise VerificationError(
            f"{spec.name}: sha256 {fetched.sha256} of {fetched.url} matches neither the official "
            f"hash nor a documented exception"
        )
    return "unverified"


def load_network(spec: ModelSpec, state: StateDict) -> nn.Module:
    """The architecture with the checkpoint loaded strictly (every key, every shape)."""
    network = build_network(spec.arch, spec.arch_params)
    network.load_state_dict(state, strict=True)
    return network


def interpolate_weights(strong: StateDict, weak: StateDict, strength: float) -> StateDict:
    """The official denoise interpolation (Real-ESRGAN's ``dni``):
    ``strength * strong + (1 - strength) * weak``, tensor by tensor."""
    if strong.keys() != weak.keys():
        raise ValueError("the two networks do not have the same parameters")
    mixed: StateDict = {}
    for name, tensor in strong.items():
        if tensor.shape != weak[name].shape:
            raise ValueError(
                f"{name}: shapes {tuple(tensor.shape)} and {tuple(weak[name].shape)} differ"
            )
        mixed[name] = strength * tensor + (1.0 - strength) * weak[name]
    return mixed


def verify_ncnn(name: str, dist: NcnnDistribution, fetched: FetchedNcnn) -> str:
    """Both files must carry the manifest's hashes where it gives them:
    "sha256" when both do, "unverified" when it gives none."""
    checked = 0
    for item, got in ((dist.param, fetched.param), (dist.bin, fetched.bin)):
        if item.sha256 is None:
            continue
        if got.sha256 != item.sha256:
            raise VerificationError(
                f"{name}: sha256 {got.sha256[:16]}... of {got.url} is not the distributed "
                f"{item.file}'s ({item.sha256[:16]}...)"
            )
        checked += 1
    return "sha256" if checked == 2 else "unverified" if checked == 0 else "partly-sha256"
