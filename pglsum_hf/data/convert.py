"""Convert a standard SumMe/TVSum h5 feature file and its splits JSON into a Hugging Face dataset folder.

The folder holds one Parquet shard per video under ``data/`` (feature data stored once) and a README.md
dataset card whose YAML ``configs`` list the shards of ``all`` (every video, split ``full``) and of
``split_0`` .. ``split_4`` (``train``/``test`` exactly as in the JSON). ``datasets.load_dataset(folder,
"split_0")`` loads it, and the folder can be pushed to the Hub as it is.

Everything is validated first and written into a temporary folder that is renamed only on success. The command is
``pglsum convert`` (:mod:`pglsum_hf.commands.convert`), which also uploads the folder.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import Any

import datasets
import pyarrow as pa
import pyarrow.parquet as pq
from datasets.arrow_writer import TypedSequence

from ..atomic import atomic_directory, check_output_dir
from ..console import progress_bar
from .annotations import assign_to_videos, check_length, read_tvsum_annotations
from .dataset_card import CardInfo, read_provenance, render_dataset_card
from .errors import DataFormatError, require_file
from .h5 import iter_videos, list_videos, open_h5
from .schema import dataset_features
from .splits import SplitsLike, read_splits, splits_source, validate_splits

logger = logging.getLogger(__name__)

DATA_FOLDER = "data"


def _name_from_file(h5_path: Path) -> str:
    """``eccv16_dataset_summe_google_pool5.h5`` -> ``summe``; other files keep their stem."""
    stem = h5_path.stem.lower()
    return re.sub(r"^eccv16_dataset_|_google_pool5$", "", stem)


def _benchmark(name: str) -> str | None:
    return next((benchmark for benchmark in ("summe", "tvsum") if benchmark in name.lower()), None)


def _write_shard(row: dict[str, Any], features: datasets.Features, path: Path) -> int:
    """Write one video as a one-row Parquet file (features embedded in the schema); return its size."""
    # TypedSequence turns numpy arrays into Arrow (extension) arrays directly; the schema carries the
    # datasets features as metadata, so readers get the exact types back.
    columns = [pa.array(TypedSequence([row[name]], type=kind)) for name, kind in features.items()]
    table = pa.Table.from_arrays(columns, schema=features.arrow_schema)
    leaves = _leaf_columns(table.schema)
    pq.write_table(
        table,
        path,
        compression="zstd",
        # Dictionary encoding only pays for strings; on float/int arrays it bloats the file.
        use_dictionary=[leaf for leaf, kind in leaves.items() if pa.types.is_string(kind)],
        # Byte-stream-split makes float32 compress better without changing a bit.
        column_encoding={leaf: "BYTE_STREAM_SPLIT" for leaf, kind in leaves.items() if pa.types.is_floating(kind)},
    )
    return path.stat().st_size


def _leaf_columns(schema: pa.Schema) -> dict[str, pa.DataType]:
    """Parquet's leaf column names (``features.list.element.list.element`` for nested lists) and their types."""
    leaves = {}
    for field in schema:
        name, kind = field.name, field.type
        kind = kind.storage_type if isinstance(kind, pa.ExtensionType) else kind
        while pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
            name, kind = f"{name}.list.element", kind.value_type
        leaves[name] = kind
    return leaves


def convert_h5_to_dataset(
    h5: str | os.PathLike,
    splits: SplitsLike,
    output_dir: str | os.PathLike,
    name: str | None = None,
    annotations: str | os.PathLike | None = None,
    repo_id: str | None = None,
    *,
    overwrite: bool = False,
    show_progress: bool = True,
) -> Path:
    """Convert ``h5`` + ``splits`` into a dataset folder at ``output_dir`` and return its path.

    Args:
        h5: standard feature file (e.g. ``eccv16_dataset_summe_google_pool5.h5``).
        splits: splits JSON path (or the list itself): ``[{"train_keys": [...], "test_keys": [...]}, ...]``.
        output_dir: the dataset folder to create (must not exist or be empty, unless ``overwrite``).
        name: dataset name for the card (default: from the file name, e.g. ``summe``).
        annotations: TVSum ``ydata-anno.tsv``; adds ``video_name`` (YouTube id), ``category`` and ``user_scores``.
        repo_id: the Hub dataset id (``org/name``) the folder is for: the card's loading snippets name it
            (uploading is the command's: ``pglsum convert --push_to_hub``).
        overwrite: replace an existing ``output_dir`` (only once the new folder is complete).
        show_progress: tqdm bar over videos.

    Raises:
        DataFormatError: bad input; the message names the file, video, field, expected and found.
        FileNotFoundError / IsADirectoryError: an input file is missing or is a folder.
        OutputExistsError / OptionError: ``output_dir`` is a file, not writable, or an existing non-empty folder
            without ``overwrite``; never replaced when it is or holds an input or the current working directory.
    """
    h5_path, output_dir = require_file(h5, "h5 feature file"), Path(output_dir)
    annotation_path = require_file(annotations, "annotation file") if annotations is not None else None
    # The folder must not replace the user's files or this conversion's own inputs: checked before any work.
    inputs = [h5_path, annotation_path, *([splits] if isinstance(splits, (str, os.PathLike)) else [])]
    check_output_dir(output_dir, overwrite=overwrite, inputs=inputs)
    name = name or _name_from_file(h5_path)
    split_list = read_splits(splits)
    with open_h5(h5_path) as handle:
        video_ids = list_videos(handle)
        synthetic = bool(handle.attrs.get("synthetic", False)) or "synthetic" in name.lower()
        provenance = read_provenance(handle, h5_path)
    if not video_ids:
        raise DataFormatError(h5_path, None, None, "video groups (video_1, ...)", "no groups")
    validate_splits(split_list, video_ids, splits_source(splits), h5_path.name)
    by_video = (
        assign_to_videos(read_tvsum_annotations(annotation_path), video_ids, annotation_path, h5_path)
        if annotation_path
        else {}
    )

    n_users, n_frames, n_steps, shard_bytes, shard_paths = [], [], [], {}, {}
    features = None
    with atomic_directory(output_dir, overwrite=overwrite, inputs=inputs) as folder:
        (folder / DATA_FOLDER).mkdir()
        progress = progress_bar(
            iter_videos(h5_path), total=len(video_ids), desc=f"converting {name}", disable=not show_progress
        )
        for video_id, arrays in progress:
            row = {"video_id": video_id, **arrays}
            if annotation_path:
                annotation = by_video[video_id]
                check_length(annotation, video_id, arrays["n_frames"], annotation_path, h5_path)
                row.update(
                    video_name=annotation.video_name, category=annotation.category, user_scores=annotation.user_scores
                )
            features = features or dataset_features(
                arrays["features"].shape[1], with_annotations=annotation_path is not None
            )
            shard_paths[video_id] = f"{DATA_FOLDER}/{video_id}.parquet"
            shard_bytes[video_id] = _write_shard(row, features, folder / shard_paths[video_id])
            n_users.append(arrays["user_summary"].shape[0])
            n_frames.append(arrays["n_frames"])
            n_steps.append(arrays["n_steps"])

        card = CardInfo(
            name=name,
            benchmark=_benchmark(name),
            synthetic=synthetic,
            features=features,
            splits=split_list,
            n_users=n_users,
            n_frames=n_frames,
            n_steps=n_steps,
            shard_bytes=shard_bytes,
            shard_paths=shard_paths,
            source_file=h5_path.name,
            splits_file=Path(splits_source(splits)).name,
            annotations_file=annotation_path.name if annotation_path else None,
            repo_id=repo_id,
            provenance=provenance,
        )
        (folder / "README.md").write_text(render_dataset_card(card), encoding="utf-8")
    kind = "SYNTHETIC " if synthetic else ""
    logger.info(
        "converted %s%s: %d videos, %d splits -> %s", kind, h5_path.name, len(video_ids), len(split_list), output_dir
    )
    return output_dir
