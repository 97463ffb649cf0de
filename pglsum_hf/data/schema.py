"""The typed columns of the SumMe/TVSum datasets (one row per video)."""

from __future__ import annotations

from datasets import Array2D, Features, List, Value

# column -> what it means (the dataset card's features table, in column order).
COLUMN_DESCRIPTIONS: dict[str, str] = {
    "video_id": "key of the video in the h5 file and the splits (`video_1` ..)",
    "video_name": "SumMe: original video name; TVSum: YouTube id (with the annotation file); else null",
    "category": "TVSum category code (VT, VU, GA, MS, PK, PR, FM, BK, BT, DS)",
    "features": "frame features at the picks, [n_steps, D]",
    "gtscore": "ground-truth importance of each step (annotators' mean), [n_steps]",
    "gtsummary": "ground-truth keyshot summary at the steps (0/1), [n_steps]",
    "user_summary": "each annotator's binary summary over all frames, [n_users, n_frames]",
    "change_points": "shot boundaries, inclusive [start, end] frames, [n_segments, 2]",
    "n_frame_per_seg": "frames per shot, [n_segments]",
    "n_frames": "frames in the original video",
    "picks": "original frame index of each step (every 15th frame), [n_steps]",
    "n_steps": "number of sampled steps",
    "user_scores": "TVSum raw per-frame scores 1..5 of each annotator, [n_users, n_frames]",
}
ANNOTATION_COLUMNS = ("category", "user_scores")


def dataset_features(feature_dim: int = 1024, with_annotations: bool = False) -> Features:
    """Column types; ``with_annotations`` adds TVSum's ``category`` and raw ``user_scores``.

    ``features`` and ``change_points`` are ``Array2D`` with a variable first dimension (read back as 2-D
    numpy arrays without per-element Python objects); ``user_summary`` and ``user_scores`` vary in both
    dimensions across videos, so they are nested lists.
    """
    types = {
        "video_id": Value("string"),
        "video_name": Value("string"),
        "category": Value("string"),
        "features": Array2D(shape=(None, feature_dim), dtype="float32"),
        "gtscore": List(Value("float32")),
        "gtsummary": List(Value("float32")),
        "user_summary": List(List(Value("bool"))),
        "change_points": Array2D(shape=(None, 2), dtype="int64"),
        "n_frame_per_seg": List(Value("int64")),
        "n_frames": Value("int64"),
        "picks": List(Value("int64")),
        "n_steps": Value("int64"),
        "user_scores": List(List(Value("uint8"))),
    }
    return Features({name: kind for name, kind in types.items() if with_annotations or name not in ANNOTATION_COLUMNS})
