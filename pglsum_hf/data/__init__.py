"""SumMe/TVSum as Hugging Face datasets: conversion from the standard h5 files, loading for training,
batching, and SYNTHETIC files in the same layout.

    make_synthetic_h5("synthetic_summe.h5", profile="summe")      # SYNTHETIC data for tests and demos
    convert_h5_to_dataset("summe.h5", "summe_splits.json", "summe_dataset")
    load_split("summe_dataset", 0)                                # DatasetDict(train, test), numpy format
    DataLoader(split["train"], batch_size=4, collate_fn=VideoCollator())
"""

from ..lazy import lazy_exports

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "PaddedVideos": ".batching",
        "length_sorted_batches": ".batching",
        "VideoCollator": ".collator",
        "convert_h5_to_dataset": ".convert",
        "DataFormatError": ".errors",
        "convert_cached": ".loading",
        "load_split": ".loading",
        "dataset_features": ".schema",
        "make_random_splits": ".splits",
        "read_splits": ".splits",
        "write_splits": ".splits",
        "PROFILES": ".synthetic",
        "generate_videos": ".synthetic",
        "make_synthetic_h5": ".synthetic",
        "write_synthetic_splits": ".synthetic",
    },
)

__all__ = [
    "PROFILES",
    "DataFormatError",
    "PaddedVideos",
    "VideoCollator",
    "convert_cached",
    "convert_h5_to_dataset",
    "dataset_features",
    "generate_videos",
    "load_split",
    "make_random_splits",
    "make_synthetic_h5",
    "read_splits",
    "write_splits",
    "write_synthetic_splits",
    "length_sorted_batches",
]
