"""Facts about the SumMe and TVSum benchmarks and their standard feature files.

The frame counts and annotator counts were read once from the real annotations (the row lengths of
``summe_user_summaries.tsv`` and ``ydata-anno.tsv``), in ``video_1`` .. ``video_N`` order; the synthetic
generator uses them so that synthetic files have the real videos' lengths.
"""

from __future__ import annotations

# Every 15th frame is sampled for the model (2 fps for 30 fps video): picks = 0, 15, 30, ...
FRAME_STRIDE = 15
# GoogLeNet pool5 feature size of the standard files.
FEATURE_DIM = 1024

SUMME_N_FRAMES: tuple[int, ...] = (
    4494, 4729, 3341, 3064, 5131, 5075, 9046, 1286, 4971, 9721,
    1612, 950, 3187, 4608, 6096, 3065, 6683, 2221, 1751, 3863,
    9672, 5178, 4382, 2574, 3120,
)  # fmt: skip
SUMME_N_USERS: tuple[int, ...] = (
    15, 18, 15, 15, 15, 16, 15, 17, 15, 15,
    15, 15, 15, 15, 17, 15, 15, 17, 17, 17,
    15, 15, 15, 15, 16,
)  # fmt: skip

TVSUM_N_FRAMES: tuple[int, ...] = (
    10597, 4688, 14019, 7210, 3327, 9671, 4468, 9870, 7010, 3995,
    4700, 13511, 3532, 4853, 4324, 9534, 5846, 9731, 5742, 6241,
    19406, 5661, 5631, 4356, 6580, 3312, 10917, 8281, 17527, 4005,
    5412, 3802, 13365, 3705, 4463, 7959, 4009, 2941, 4165, 11414,
    8073, 5939, 4931, 4304, 2500, 15307, 4740, 3896, 5971, 6912,
)  # fmt: skip
TVSUM_N_USERS = 20
# TVSum rates 1 (not important) .. 5 (very important) per frame.
TVSUM_SCORE_RANGE = (1, 5)

# TVSum's ten categories (Song et al., CVPR 2015): code in ydata-anno.tsv -> name.
TVSUM_CATEGORIES: dict[str, str] = {
    "VT": "changing Vehicle Tire",
    "VU": "getting Vehicle Unstuck",
    "GA": "Grooming an Animal",
    "MS": "Making Sandwich",
    "PK": "ParKour",
    "PR": "PaRade",
    "FM": "Flash Mob gathering",
    "BK": "BeeKeeping",
    "BT": "attempting Bike Tricks",
    "DS": "Dog Show",
}
# Category of video_1 .. video_50 (five consecutive videos per category, in the order above).
TVSUM_VIDEO_CATEGORIES: tuple[str, ...] = tuple(code for code in TVSUM_CATEGORIES for _ in range(5))

# Fields of one video group in the standard h5 files, in the order the datasets store them.
H5_REQUIRED_FIELDS = (
    "features",
    "gtscore",
    "gtsummary",
    "user_summary",
    "change_points",
    "n_frame_per_seg",
    "n_frames",
    "picks",
    "n_steps",
)
H5_OPTIONAL_FIELDS = ("video_name",)
