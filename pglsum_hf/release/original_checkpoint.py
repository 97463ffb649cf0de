"""Read an original PGL-SUM checkpoint (the authors' ``.pt``/``.pkl`` state dict) into a `PGLSumModel`.

The original keeps one ``nn.Linear`` per head and one attention module per segment. Its state dict keys, with
``S`` segments, ``H`` global heads and ``h`` local heads (paper: 4, 8, 4; shapes for input 1024, hidden 1024)::

    attention.attention.{Wq,Wk,Wv}.{0..H-1}.weight                    [hidden / H, input]     (128 x 1024)
    attention.attention.out.weight                                     [input, hidden]         (1024 x 1024)
    attention.local_attention.{0..S-1}.{Wq,Wk,Wv}.{0..h-1}.weight     [hidden / S / h, input] (64 x 1024)
    attention.local_attention.{0..S-1}.out.weight                     [input, hidden / S]     (1024 x 256)
    linear_1.weight [input, input], linear_1.bias [input], linear_2.weight [1, input], linear_2.bias [1]
    norm_y.{weight,bias} [input], norm_linear.{weight,bias} [input]

`PGLSumModel` names them::

    attention.global_attention.{q_proj,k_proj,v_proj}.weight     the H heads' W{q,k,v} concatenated along the rows
    attention.global_attention.out_proj.weight                   out
    attention.local_attention.{s}.{q_proj,k_proj,v_proj,out_proj}.weight   the same for segment s
    regressor.{linear_1,linear_2,norm_y,norm_linear}.{weight,bias}        unchanged

Heads and segments are read from the key names unless given; fusion and positional encoding leave no trace in the
weights and come from the options (defaults: the paper's ``add`` and ``absolute``). The checkpoint is read with
``torch.load(weights_only=True)``: nothing in it is ever executed.

The command is ``pglsum convert-checkpoint`` (:mod:`pglsum_hf.commands.convert_checkpoint`); a whole release (the
zip or its folder) is read by :mod:`.archive`.
"""

from __future__ import annotations

import pickle
import re
from collections.abc import Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING

from ..errors import CheckpointError, OptionError

if TYPE_CHECKING:  # torch, transformers and the model load when a checkpoint is read, not for `--help`
    import torch

    from ..configuration_pglsum import PGLSumConfig
    from ..modeling_pglsum import PGLSumModel

GLOBAL_PREFIX = "attention.attention."
LOCAL_PREFIX = "attention.local_attention."
REGRESSOR_KEYS = ("linear_1", "linear_2", "norm_y", "norm_linear")
PROJECTIONS = {"Wq": "q_proj", "Wk": "k_proj", "Wv": "v_proj"}


# What torch.load raises on files that are not a weights-only state dict (text, garbage, truncated, pickled objects).
UNREADABLE = (pickle.UnpicklingError, RuntimeError, EOFError, ValueError, KeyError, IndexError, TypeError,
              AttributeError, ImportError, OSError)  # fmt: skip


def _short_cause(error: Exception) -> str:
    """torch.load's reason on one line, without its advice to retry with weights_only=False."""
    message = str(error)
    if "WeightsUnpickler error:" in message:
        message = message.split("WeightsUnpickler error:", 1)[1].split("Check the documentation", 1)[0]
    return " ".join(message.split())[:200] or type(error).__name__


def load_original_state_dict(checkpoint: str | Path) -> dict[str, torch.Tensor]:
    """Read a state dict with ``torch.load(weights_only=True)``: no pickled code is ever executed.

    Accepts the plain ``state_dict()`` the original saves, or a dict holding it under ``"state_dict"`` or
    ``"model_state_dict"``. Raises `CheckpointError` naming the file and what was found otherwise (a missing or
    unreadable file included), or when a tensor holds NaN or infinity (naming the key).
    """
    return read_original_state_dict(Path(checkpoint), str(checkpoint))


def read_original_state_dict(file: Path | IO[bytes], source: str) -> dict[str, torch.Tensor]:
    """`load_original_state_dict` of a path or an in-memory file (a zip member); ``source`` names it in errors."""
    import torch

    try:
        loaded = torch.load(file, map_location="cpu", weights_only=True)
    except UNREADABLE as error:  # any parse failure of a foreign file: garbage, text, a pickled object
        cause = _short_cause(error)
        raise CheckpointError(
            f"{source}: not a PyTorch state dict readable with torch.load(weights_only=True) (pickled code is "
            f"never executed; save `model.state_dict()`, not the model object). Cause: {cause}"
        ) from None
    if isinstance(loaded, Mapping):
        for wrapper in ("state_dict", "model_state_dict"):
            if isinstance(loaded.get(wrapper), Mapping):
                loaded = loaded[wrapper]
                break
    if not isinstance(loaded, Mapping) or not loaded:
        raise CheckpointError(
            f"{source}: expected a state dict (a non-empty dict of parameter name -> tensor); "
            f"found {type(loaded).__name__}{' (empty)' if isinstance(loaded, Mapping) else ''}"
        )
    not_tensors = [f"{key!r} ({type(value).__name__})" for key, value in loaded.items() if not torch.is_tensor(value)]
    if not_tensors:
        raise CheckpointError(
            f"{source}: expected a state dict whose values are all tensors; found {len(not_tensors)} that are "
            f"not: {', '.join(not_tensors[:10])}"
        )
    for key, value in loaded.items():
        if value.is_floating_point() and not torch.isfinite(value).all():
            raise CheckpointError(f"{source}: weight {key!r} holds NaN or infinite values; refusing to convert it")
    return {str(key): value for key, value in loaded.items()}


def _indices(state_dict: Mapping[str, torch.Tensor], pattern: str) -> list[int]:
    found = {int(match.group(1)) for key in state_dict if (match := re.fullmatch(pattern, key))}
    return sorted(found)


def infer_architecture(state_dict: Mapping[str, torch.Tensor]) -> dict[str, int | None]:
    """``input_size``, ``hidden_size``, ``heads``, ``n_segments`` (None without local attention), ``local_heads``
    read from the key names and shapes of an original state dict (what cannot be read is left to the key check)."""
    out = state_dict.get(GLOBAL_PREFIX + "out.weight")
    global_heads = _indices(state_dict, re.escape(GLOBAL_PREFIX) + r"Wq\.(\d+)\.weight")
    segments = _indices(state_dict, re.escape(LOCAL_PREFIX) + r"(\d+)\..*")
    local_heads = _indices(state_dict, re.escape(LOCAL_PREFIX) + r"0\.Wq\.(\d+)\.weight")
    return {
        "input_size": int(out.shape[0]) if out is not None and out.dim() == 2 else None,
        "hidden_size": int(out.shape[1]) if out is not None and out.dim() == 2 else None,
        "heads": len(global_heads) or None,
        "n_segments": len(segments) or None,
        "local_heads": len(local_heads) or None,
    }


def expected_original_shapes(
    input_size: int, hidden_size: int, heads: int, n_segments: int | None, local_heads: int
) -> dict[str, tuple[int, ...]]:
    """Every key of an original PGL-SUM state dict with these settings, with its shape."""
    shapes: dict[str, tuple[int, ...]] = {}

    def cell(prefix: str, size: int, cell_heads: int) -> None:
        for name in PROJECTIONS:
            for head in range(cell_heads):
                shapes[f"{prefix}{name}.{head}.weight"] = (size // cell_heads, input_size)
        shapes[f"{prefix}out.weight"] = (input_size, size)

    cell(GLOBAL_PREFIX, hidden_size, heads)
    for segment in range(n_segments or 0):
        cell(f"{LOCAL_PREFIX}{segment}.", hidden_size // n_segments, local_heads)
    for name in REGRESSOR_KEYS:
        rows = 1 if name == "linear_2" else input_size
        if name.startswith("linear"):
            shapes[f"{name}.weight"] = (rows, input_size)
        else:
            shapes[f"{name}.weight"] = (rows,)
        shapes[f"{name}.bias"] = (rows,)
    return shapes


def check_original_keys(
    state_dict: Mapping[str, torch.Tensor], expected: Mapping[str, tuple[int, ...]], source: str
) -> None:
    """Raise one `CheckpointError` listing every missing, unexpected and mis-shaped key."""
    missing = [key for key in expected if key not in state_dict]
    unexpected = [key for key in state_dict if key not in expected]
    misshaped = [
        f"{key}: expected {list(shape)}, found {list(state_dict[key].shape)}"
        for key, shape in expected.items()
        if key in state_dict and tuple(state_dict[key].shape) != shape
    ]
    if missing or unexpected or misshaped:

        def listed(items: list[str]) -> str:  # a few names: the count says how many, the message stays one line
            return ", ".join(items[:3]) + (f" and {len(items) - 3} more" if len(items) > 3 else "")

        parts = [f"{len(items)} {title} key(s): {listed(items)}" for title, items in
                 (("missing", missing), ("unexpected", unexpected), ("mis-shaped", misshaped)) if items]  # fmt: skip
        raise CheckpointError(
            f"{source} does not match the original PGL-SUM layout for these settings: {'; '.join(parts)}"
        )


def convert_state_dict(state_dict: Mapping[str, torch.Tensor], config: PGLSumConfig) -> dict[str, torch.Tensor]:
    """Map an original state dict (already checked) to `PGLSumModel`'s parameter names: per-head ``W{q,k,v}.{h}``
    stacked along the rows of one ``{q,k,v}_proj``, ``out`` as ``out_proj``, the regressor unchanged."""
    import torch

    def cell(prefix: str, ours: str, heads: int) -> dict[str, torch.Tensor]:
        weights = {
            f"{ours}.{projection}.weight": torch.cat(
                [state_dict[f"{prefix}{name}.{head}.weight"] for head in range(heads)]
            )
            for name, projection in PROJECTIONS.items()
        }
        weights[f"{ours}.out_proj.weight"] = state_dict[f"{prefix}out.weight"]
        return weights

    converted = cell(GLOBAL_PREFIX, "attention.global_attention", config.num_heads)
    if config.uses_local_attention:
        for segment in range(config.num_segments):
            converted.update(
                cell(f"{LOCAL_PREFIX}{segment}.", f"attention.local_attention.{segment}", config.local_heads)
            )
    for name in REGRESSOR_KEYS:
        for kind in ("weight", "bias"):
            converted[f"regressor.{name}.{kind}"] = state_dict[f"{name}.{kind}"]
    return {key: value.float().contiguous() for key, value in converted.items()}


def model_from_original(
    state_dict: Mapping[str, torch.Tensor],
    source: str,
    heads: int | None = None,
    n_segments: int | None | str = "infer",
    fusion: str | None = "add",
    pos_enc: str | None = "absolute",
) -> PGLSumModel:
    """A `PGLSumModel` (eval mode) holding an original state dict, its layout checked against the settings (heads
    and segments read from the keys unless given); raises `CheckpointError` naming ``source`` otherwise."""
    from ..configuration_pglsum import PGLSumConfig
    from ..modeling_pglsum import PGLSumModel

    inferred = infer_architecture(state_dict)
    if inferred["input_size"] is None:
        raise CheckpointError(
            f"{source}: no 2-D {GLOBAL_PREFIX}out.weight, so this is not an original PGL-SUM state dict"
        )
    if heads is not None and (heads < 1 or heads > inferred["hidden_size"] or inferred["hidden_size"] % heads):
        raise OptionError(
            "--heads",
            f"must divide {source}'s hidden size {inferred['hidden_size']} (each head gets hidden_size / heads rows), "
            f"got {heads}",
        )
    heads = heads or inferred["heads"] or 1
    n_segments = inferred["n_segments"] if n_segments == "infer" else n_segments
    local_heads = inferred["local_heads"] or 4
    expected = expected_original_shapes(
        inferred["input_size"], inferred["hidden_size"], heads, n_segments, local_heads
    )
    check_original_keys(state_dict, expected, source)
    try:
        config = PGLSumConfig(
            input_size=inferred["input_size"],
            hidden_size=inferred["hidden_size"],
            num_heads=heads,
            num_segments=n_segments,
            local_heads=local_heads,
            fusion=fusion,
            pos_enc=pos_enc,
        )
    except ValueError as error:
        raise CheckpointError(
            f"{source}: these weights describe a network that cannot run (the original fails on it in forward): {error}"
        ) from None
    model = PGLSumModel(config).eval()
    model.load_state_dict(convert_state_dict(state_dict, config), strict=True)
    return model


def convert_checkpoint(
    checkpoint: str | Path,
    *,
    heads: int | None = None,
    n_segments: int | None | str = "infer",
    fusion: str | None = "add",
    pos_enc: str | None = "absolute",
) -> PGLSumModel:
    """The `PGLSumModel` (eval mode) holding the original checkpoint ``checkpoint`` (a ``.pt``/``.pkl`` state dict).

    Args:
        heads: global heads (default: read from the keys).
        n_segments: segments of the local attention, ``None`` for none (default ``"infer"``: read from the keys).
        fusion, pos_enc: the original training options (not stored in the weights).

    Raises:
        CheckpointError: a file that cannot be converted (the message names it and what is wrong).
    """
    state_dict = load_original_state_dict(checkpoint)
    return model_from_original(state_dict, str(checkpoint), heads, n_segments, fusion, pos_enc)
