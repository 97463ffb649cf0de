"""SumMe/TVSum as Hugging Face datasets: conversion from the standard h5 files, loading for training,
batching, and SYNTHETIC files in the same layout.

    make_synthetic_h5("synthetic_summe.h5", profile="summe")      # SYNTHETIC data for tests and demos
    convert_h5_to_dataset("summe.h5", "summe_splits.json", "summe_dataset")
    load_split("summe_dataset", 0)                                # DatasetDict(train, test), numpy format
    DataLoader(split["train"], batch_size=4, collate_fn=VideoCollator())
"""

from .batching import PaddedVideos, length_sorted_batches
from .collator import VideoCollator
from .convert import convert_h5_to_dataset, push_folder_to_hub
from .errors import DataFormatError
from .loading import convert_cached, load_split
from .schema import dataset_features
from .splits import make_random_splits, read_splits, write_splits
from .synthetic import PROFILES, generate_videos, make_synthetic_h5, write_synthetic_splits

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
    "push_folder_to_hub",
    "read_splits",
    "write_splits",
    "write_synthetic_splits",
    "length_sorted_batches",
]
