"""Convert an original PGL-SUM checkpoint (the authors' ``.pt``/``.pkl`` state dict) into a Hub-ready folder.

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

Usage::

    pglsum convert-checkpoint --checkpoint FILE.pt --output_dir DIR [--overwrite] [--heads 8] [--n_segments 4] \\
        [--fusion add] [--pos_enc absolute] [--push_to_hub --hub_model_id ORG/NAME] [--hub_private_repo]
    pglsum convert-checkpoint --checkpoint pretrained_models.zip --output_dir DIR \\
        [--evaluate_on summe=DATA tvsum=DATA] [--push_to_hub --hub_model_id ORG]

``--checkpoint`` may name the authors' whole release (the zip or its unzipped folder): see `original_release` and
`release_conversion`.
"""

from __future__ import annotations

import argparse
import pickle
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING

from .atomic import atomic_directory, check_output_dir
from .choices_pglsum import FUSIONS, POSITIONAL_ENCODINGS
from .errors import OptionError, PGLSumError
from .options import CommandParser, add_hub_options, hub_repo_id

if TYPE_CHECKING:  # torch, transformers and the model load when a checkpoint is read, not for `--help`
    import torch

    from .configuration_pglsum import PGLSumConfig
    from .modeling_pglsum import PGLSumModel

GLOBAL_PREFIX = "attention.attention."
LOCAL_PREFIX = "attention.local_attention."
REGRESSOR_KEYS = ("linear_1", "linear_2", "norm_y", "norm_linear")
PROJECTIONS = {"Wq": "q_proj", "Wk": "k_proj", "Wv": "v_proj"}
ORIGINAL_LICENSE_NOTE = (
    'These weights were converted from a checkpoint of the original PGL-SUM code (CERTH-ITI), released "for '
    'academic, non-commercial use only": that condition stays with the weights. The conversion code (pglsum-hf) is '
    "MIT-licensed. The weights were trained on SumMe or TVSum, which are distributed for research use."
)


# What torch.load raises on files that are not a weights-only state dict (text, garbage, truncated, pickled objects).
UNREADABLE = (pickle.UnpicklingError, RuntimeError, EOFError, ValueError, KeyError, IndexError, TypeError,
              AttributeError, ImportError, OSError)  # fmt: skip


class CheckpointError(PGLSumError, ValueError):
    """The checkpoint cannot be converted; the message names the file and what is wrong."""


def _short_cause(error: Exception) -> str:
    """torch.load's reason on one line, without its advice to retry with weights_only=False."""
    message = str(error)
    if "WeightsUnpickler error:" in message:
        message = message.split("WeightsUnpickler error:", 1)[1].split("Check the documentation", 1)[0]
    return " ".join(message.split())[:200] or type(error).__name__


def load_original_state_dict(checkpoint: str | Path) -> dict[str, torch.Tensor]:
    """Read a state dict with ``torch.load(weights_only=True)``: no pickled code is ever executed.

    Accepts the plain ``state_dict()`` the original saves, or a dict holding it under ``"state_dict"`` or
    ``"model_state_dict"``. Raises `CheckpointError` naming the file and what was found otherwise, or when a
    tensor holds NaN or infinity (naming the key).
    """
    checkpoint = Path(checkpoint)
    if not checkpoint.is_file():
        what = "is a folder, not a file" if checkpoint.is_dir() else "does not exist"
        raise OptionError("--checkpoint", f"{checkpoint} {what}")
    return read_original_state_dict(checkpoint, str(checkpoint))


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
        parts = [f"{len(items)} {title} key(s): {', '.join(items)}" for title, items in
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
    from .configuration_pglsum import PGLSumConfig
    from .modeling_pglsum import PGLSumModel

    inferred = infer_architecture(state_dict)
    if inferred["input_size"] is None:
        raise CheckpointError(
            f"{source}: no 2-D {GLOBAL_PREFIX}out.weight, so this is not an original PGL-SUM state dict"
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
    output_dir: str | Path | None = None,
    *,
    heads: int | None = None,
    n_segments: int | None | str = "infer",
    fusion: str | None = "add",
    pos_enc: str | None = "absolute",
    push_to_hub: str | None = None,
    overwrite: bool = False,
    private: bool | None = None,
    token: str | None = None,
    overwrite_card: bool = False,
) -> PGLSumModel:
    """Load an original checkpoint into a `PGLSumModel`; write it to ``output_dir`` and/or push it.

    Args:
        checkpoint: the original ``.pt``/``.pkl`` state dict.
        output_dir: folder for config.json, model.safetensors, the remote code and README.md, built under a
            temporary name and renamed. An existing non-empty folder is replaced only with ``overwrite``, and never
            when it is or holds the checkpoint or the current folder.
        heads: global heads (default: read from the keys).
        n_segments: segments of the local attention, ``None`` for none (default ``"infer"``: read from the keys).
        fusion, pos_enc: the original training options (not stored in the weights).
        push_to_hub: Hub repository id to upload the folder to (``private`` and ``token`` as for any upload); a
            card already there is kept unless ``overwrite_card``.

    Returns:
        The converted model (eval mode).

    Raises:
        OptionError: a bad option value or output folder; CheckpointError: a file that cannot be converted.
    """
    if heads is not None and (isinstance(heads, bool) or not isinstance(heads, int) or heads < 1):
        raise OptionError(
            "--heads", f"must be a positive integer (or left out to read it from the keys); got {heads!r}"
        )
    if n_segments not in ("infer", None) and (not isinstance(n_segments, int) or n_segments < 2):
        raise OptionError("--n_segments", f"must be an integer >= 2, None or infer; got {n_segments!r}")
    if output_dir is not None:
        check_output_dir(output_dir, overwrite=overwrite, inputs=[checkpoint])
    source = str(checkpoint)
    model = model_from_original(load_original_state_dict(checkpoint), source, heads, n_segments, fusion, pos_enc)
    config = model.config
    heads, n_segments = config.num_heads, config.num_segments
    from . import hub
    from .model_card import model_card, save_card
    from .model_folder import save_model_files

    card = model_card(
        model,
        push_to_hub or (Path(output_dir).resolve().name if output_dir is not None else None),
        license="other",
        license_note=ORIGINAL_LICENSE_NOTE,
        weights=(
            f"Converted with `pglsum convert-checkpoint` from the original PGL-SUM checkpoint `{Path(source).name}` "
            f"(heads={heads}, n_segments={n_segments}, fusion={fusion}, pos_enc={pos_enc}); the converted model "
            "gives the original's scores."
        ),
    )
    if output_dir is not None:
        with atomic_directory(output_dir, overwrite=overwrite, inputs=[checkpoint]) as folder:
            save_card(card, save_model_files(model, folder))
    if push_to_hub:
        with tempfile.TemporaryDirectory() as staging:
            folder = Path(output_dir) if output_dir is not None else Path(staging)
            if output_dir is None:
                save_card(card, save_model_files(model, folder))
            hub.push_model_folder(
                folder,
                push_to_hub,
                overwrite_card=overwrite_card,
                token=token,
                private=private,
                commit_message=f"Convert {Path(source).name}",
            )
    return model


def _none_or(convert):
    """argparse type: the word ``None`` (any case) means None, anything else goes through ``convert``."""

    def parse(value: str):
        return None if value.lower() == "none" else convert(value)

    return parse


def _segments(value: str) -> int | None | str:
    return "infer" if value == "infer" else _none_or(int)(value)


def build_parser() -> argparse.ArgumentParser:
    parser = CommandParser(
        prog="pglsum convert-checkpoint",
        description="Convert an original PGL-SUM checkpoint (state dict) into a Hub-ready folder and optionally push it.",
    )
    parser.add_argument(
        "--checkpoint",
        required=True,
        type=Path,
        help="original PGL-SUM state dict (.pt/.pkl), or the authors' whole release: pretrained_models.zip or its "
        "unzipped folder (one model folder per table, dataset and split)",
    )
    parser.add_argument(
        "--evaluate_on",
        nargs="+",
        default=None,
        metavar="DATASET=DATA",
        help="release only: summe=DATA and/or tvsum=DATA (an h5 with its splits, a dataset folder or a Hub id): score "
        "each split model on its split's test videos and put the figures into the cards and DIR/results.md",
    )
    parser.add_argument("--output_dir", required=True, type=Path, help="folder to create (must be new or empty)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing non-empty --output_dir")
    parser.add_argument("--heads", type=int, default=None, help="global attention heads (default: from the keys)")
    parser.add_argument(
        "--n_segments",
        type=_segments,
        default="infer",
        help="local-attention segments or None (default: from the keys)",
    )
    parser.add_argument(
        "--fusion", type=_none_or(str.lower), default="add", choices=[*FUSIONS, None], help="fusion (default add)"
    )
    parser.add_argument(
        "--pos_enc",
        type=_none_or(str.lower),
        default="absolute",
        choices=[*POSITIONAL_ENCODINGS, None],
        help="positional encoding (default absolute)",
    )
    add_hub_options(
        parser,
        "the folder as a model repository (a whole release: --hub_model_id is the owner, one repository "
        "OWNER/pglsum-summe-table4 ... per table and dataset)",
    )
    parser.add_argument(
        "--overwrite_card", action="store_true", help="with --push_to_hub: replace a README.md already on the Hub"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    repo_id = hub_repo_id(args)
    from .original_release import is_release

    if is_release(args.checkpoint):
        return _convert_release(args, parser, repo_id)
    if args.evaluate_on:
        raise OptionError("--evaluate_on", "applies to a whole release (the zip or its folder), not to one checkpoint")
    model = convert_checkpoint(
        args.checkpoint,
        args.output_dir,
        heads=args.heads,
        n_segments=args.n_segments,
        fusion=args.fusion,
        pos_enc=args.pos_enc,
        push_to_hub=repo_id,
        overwrite=args.overwrite,
        private=args.hub_private_repo or None,
        overwrite_card=args.overwrite_card,
    )
    config = model.config
    print(
        f"converted {args.checkpoint} -> {args.output_dir} ({model.num_parameters() / 1e6:.2f} M parameters; "
        f"heads={config.num_heads}, n_segments={config.num_segments}, fusion={config.fusion}, pos_enc={config.pos_enc})"
    )
    if repo_id:
        print(f"pushed to {repo_id}")
    return 0


def _convert_release(args: argparse.Namespace, parser: argparse.ArgumentParser, owner: str | None) -> int:
    from .release_conversion import convert_release, parse_evaluate_on

    for option in ("heads", "n_segments", "fusion", "pos_enc"):
        if getattr(args, option) != parser.get_default(option):
            raise OptionError(f"--{option}", "does not apply to the release: its models have the paper's settings")
    result = convert_release(
        args.checkpoint,
        args.output_dir,
        overwrite=args.overwrite,
        evaluate_on=parse_evaluate_on(args.evaluate_on),
        push_to_hub=owner,
        private=args.hub_private_repo or None,
        overwrite_card=args.overwrite_card,
    )
    for folder, models in result.release.groups().items():
        print(
            f"converted {len(models)} split models -> {result.output_dir / folder} (split_0 .. split_{len(models) - 1})"
        )
    for folder, repo_id in result.pushed.items():
        print(f"pushed {folder} to {repo_id}")
    return 0
