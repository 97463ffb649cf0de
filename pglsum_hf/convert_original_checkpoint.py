"""Convert an original PGL-SUM checkpoint (the authors' ``.pt``/``.pkl`` state dict) into a Hub-ready folder.

The original keeps one ``nn.Linear`` per head and one attention module per segment::

    attention.attention.{Wq,Wk,Wv}.{h}.weight              [hidden / heads, input]
    attention.attention.out.weight                          [input, hidden]
    attention.local_attention.{s}.{Wq,Wk,Wv}.{h}.weight    [hidden / S / local_heads, input]
    attention.local_attention.{s}.out.weight               [input, hidden / S]
    linear_1.{weight,bias}, linear_2.{weight,bias}, norm_y.{weight,bias}, norm_linear.{weight,bias}

`PGLSumModel` stacks the heads of a cell along the rows and the cells (1 global, S local) along a leading axis.
Heads and segments are read from the key names unless given; fusion and positional encoding leave no trace in the
weights and come from the options (defaults: the paper's ``add`` and ``absolute``).

Usage::

    pglsum convert-checkpoint --checkpoint FILE.pt --output_dir DIR [--heads 8] [--n_segments 4] \\
        [--fusion add] [--pos_enc absolute] [--push_to_hub ORG/NAME]
"""

from __future__ import annotations

import argparse
import pickle
import re
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

import torch

from .configuration_pglsum import FUSIONS, POSITIONAL_ENCODINGS, PGLSumConfig
from .modeling_pglsum import PGLSumModel

GLOBAL_PREFIX = "attention.attention."
LOCAL_PREFIX = "attention.local_attention."
REGRESSOR_KEYS = ("linear_1", "linear_2", "norm_y", "norm_linear")
PROJECTIONS = {"Wq": "query", "Wk": "key", "Wv": "value"}
ORIGINAL_LICENSE_NOTE = (
    "These weights were converted from a checkpoint of the original PGL-SUM code (CERTH-ITI), released \"for "
    "academic, non-commercial use only\": that condition stays with the weights. The conversion code (pglsum-hf) is "
    "MIT-licensed. The weights were trained on SumMe or TVSum, which are distributed for research use."
)


def load_original_state_dict(checkpoint: str | Path) -> dict[str, torch.Tensor]:
    """Read a state dict with ``torch.load(weights_only=True)``: no pickled code is ever executed.

    Accepts the plain ``state_dict()`` the original saves, or a dict holding it under ``"state_dict"`` or
    ``"model_state_dict"``. Raises ``ValueError`` naming the file and what was found otherwise.
    """
    checkpoint = Path(checkpoint)
    if not checkpoint.is_file():
        raise FileNotFoundError(f"checkpoint {checkpoint} does not exist")
    try:
        loaded = torch.load(checkpoint, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError) as error:
        raise ValueError(
            f"{checkpoint}: expected a PyTorch state dict (parameter name -> tensor) readable with "
            f"torch.load(weights_only=True); it could not be read that way, and pickled code is never executed "
            f"(save `model.state_dict()` instead of the model object). Cause: {error}"
        ) from error
    if isinstance(loaded, Mapping):
        for wrapper in ("state_dict", "model_state_dict"):
            if isinstance(loaded.get(wrapper), Mapping):
                loaded = loaded[wrapper]
                break
    if not isinstance(loaded, Mapping) or not loaded:
        raise ValueError(
            f"{checkpoint}: expected a state dict (a non-empty dict of parameter name -> tensor); "
            f"found {type(loaded).__name__}{' (empty)' if isinstance(loaded, Mapping) else ''}"
        )
    not_tensors = [f"{key!r} ({type(value).__name__})" for key, value in loaded.items() if not torch.is_tensor(value)]
    if not_tensors:
        raise ValueError(
            f"{checkpoint}: expected a state dict whose values are all tensors; found {len(not_tensors)} that are "
            f"not: {', '.join(not_tensors[:10])}"
        )
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
    """Raise one ``ValueError`` listing every missing, unexpected and mis-shaped key."""
    missing = [key for key in expected if key not in state_dict]
    unexpected = [key for key in state_dict if key not in expected]
    misshaped = [
        f"{key}: expected {list(shape)}, found {list(state_dict[key].shape)}"
        for key, shape in expected.items()
        if key in state_dict and tuple(state_dict[key].shape) != shape
    ]
    if missing or unexpected or misshaped:
        parts = [f"{source} does not match the original PGL-SUM layout for these settings:"]
        for title, items in (("missing", missing), ("unexpected", unexpected), ("mis-shaped", misshaped)):
            if items:
                parts.append(f"  {len(items)} {title} key(s):\n" + "\n".join(f"    {item}" for item in items))
        raise ValueError("\n".join(parts))


def convert_state_dict(state_dict: Mapping[str, torch.Tensor], config: PGLSumConfig) -> dict[str, torch.Tensor]:
    """Map an original state dict (already checked) to `PGLSumModel`'s parameter names and stacked layout."""

    def stacked_cell(prefix: str, heads: int) -> dict[str, torch.Tensor]:
        cell = {
            ours: torch.cat([state_dict[f"{prefix}{name}.{head}.weight"] for head in range(heads)])
            for name, ours in PROJECTIONS.items()
        }
        cell["output"] = state_dict[f"{prefix}out.weight"]
        return cell

    converted = {}
    for name, weight in stacked_cell(GLOBAL_PREFIX, config.num_heads).items():
        converted[f"attention.global_attention.{name}"] = weight[None]
    if config.uses_local_attention:
        cells = [stacked_cell(f"{LOCAL_PREFIX}{s}.", config.local_heads) for s in range(config.num_segments)]
        for name in cells[0]:
            converted[f"attention.local_attention.{name}"] = torch.stack([cell[name] for cell in cells])
    for name in REGRESSOR_KEYS:
        for kind in ("weight", "bias"):
            converted[f"regressor.{name}.{kind}"] = state_dict[f"{name}.{kind}"]
    return {key: value.float().contiguous() for key, value in converted.items()}


def convert_checkpoint(
    checkpoint: str | Path,
    output_dir: str | Path | None = None,
    *,
    heads: int | None = None,
    n_segments: int | None | str = "infer",
    fusion: str | None = "add",
    pos_enc: str | None = "absolute",
    push_to_hub: str | None = None,
) -> PGLSumModel:
    """Load an original checkpoint into a `PGLSumModel`; write it to ``output_dir`` and/or push it.

    Args:
        checkpoint: the original ``.pt``/``.pkl`` state dict.
        output_dir: folder for config.json, model.safetensors, the remote code and README.md (written to a temporary
            folder beside it, then renamed, so a failed conversion leaves nothing half-written).
        heads: global heads (default: read from the keys).
        n_segments: segments of the local attention, ``None`` for none (default ``"infer"``: read from the keys).
        fusion, pos_enc: the original training options (not stored in the weights).
        push_to_hub: Hub repository id to upload the folder to.

    Returns:
        The converted model (eval mode).
    """
    source = str(checkpoint)
    state_dict = load_original_state_dict(checkpoint)
    inferred = infer_architecture(state_dict)
    if inferred["input_size"] is None:
        raise ValueError(f"{source}: no 2-D {GLOBAL_PREFIX}out.weight, so this is not an original PGL-SUM state dict")
    heads = heads or inferred["heads"] or 1
    n_segments = inferred["n_segments"] if n_segments == "infer" else n_segments
    local_heads = inferred["local_heads"] or 4
    expected = expected_original_shapes(
        inferred["input_size"], inferred["hidden_size"], heads, n_segments, local_heads
    )
    check_original_keys(state_dict, expected, source)
    config = PGLSumConfig(
        input_size=inferred["input_size"],
        hidden_size=inferred["hidden_size"],
        num_heads=heads,
        num_segments=n_segments,
        local_heads=local_heads,
        fusion=fusion,
        pos_enc=pos_enc,
    )
    model = PGLSumModel(config).eval()
    model.load_state_dict(convert_state_dict(state_dict, config), strict=True)
    card_fields = {
        "license": "other",
        "license_note": ORIGINAL_LICENSE_NOTE,
        "weights": (
            f"Converted with `pglsum convert-checkpoint` from the original PGL-SUM checkpoint `{Path(source).name}` "
            f"(heads={heads}, n_segments={n_segments}, fusion={fusion}, pos_enc={pos_enc}); the converted model "
            "gives the original's scores."
        ),
    }
    if output_dir is not None:
        _save_atomically(model, Path(output_dir), card_fields, push_to_hub)
    if push_to_hub:
        model.push_to_hub(push_to_hub, card_fields=card_fields, commit_message=f"Convert {Path(source).name}")
    return model


def _save_atomically(model: PGLSumModel, output_dir: Path, card_fields: dict, repo_id: str | None) -> None:
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}.partial-", dir=output_dir.parent))
    try:
        model.save_pretrained(partial, card_fields={"repo_id": repo_id or str(output_dir), **card_fields})
        if output_dir.exists():
            shutil.rmtree(output_dir)
        partial.rename(output_dir)
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def _none_or(convert):
    """argparse type: the word ``None`` (any case) means None, anything else goes through ``convert``."""

    def parse(value: str):
        return None if value.lower() == "none" else convert(value)

    return parse


def _segments(value: str) -> int | None | str:
    return "infer" if value == "infer" else _none_or(int)(value)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pglsum convert-checkpoint",
        description="Convert an original PGL-SUM checkpoint (state dict) into a Hub-ready folder and optionally push it.",
    )
    parser.add_argument("--checkpoint", required=True, type=Path, help="original PGL-SUM state dict (.pt/.pkl)")
    parser.add_argument("--output_dir", required=True, type=Path, help="folder to write (replaced if it exists)")
    parser.add_argument("--heads", type=int, default=None, help="global attention heads (default: from the keys)")
    parser.add_argument(
        "--n_segments", type=_segments, default="infer", help="local-attention segments or None (default: from the keys)"
    )
    parser.add_argument(
        "--fusion", type=_none_or(str.lower), default="add", choices=[*FUSIONS, None], help="fusion (default add)"
    )
    parser.add_argument(
        "--pos_enc", type=_none_or(str.lower), default="absolute", choices=[*POSITIONAL_ENCODINGS, None],
        help="positional encoding (default absolute)",
    )
    parser.add_argument("--push_to_hub", default=None, metavar="ORG/NAME", help="also upload the folder to this Hub repo")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    model = convert_checkpoint(
        args.checkpoint,
        args.output_dir,
        heads=args.heads,
        n_segments=args.n_segments,
        fusion=args.fusion,
        pos_enc=args.pos_enc,
        push_to_hub=args.push_to_hub,
    )
    config = model.config
    print(
        f"converted {args.checkpoint} -> {args.output_dir} ({model.num_parameters() / 1e6:.2f} M parameters; "
        f"heads={config.num_heads}, n_segments={config.num_segments}, fusion={config.fusion}, pos_enc={config.pos_enc})"
    )
    if args.push_to_hub:
        print(f"pushed to {args.push_to_hub}")
    return 0
