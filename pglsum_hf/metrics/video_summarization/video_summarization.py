"""Keyshot evaluation of video summaries (SumMe / TVSum protocol), rank correlation and diversity.

This file is self-contained (numpy, scipy, datasets and evaluate only) so that it can be loaded with
``evaluate.load(<folder of this file>)`` or pushed to the Hub as a metric Space. ``pglsum_hf.evaluation``
imports it as a module: the protocol code exists only here.

The keyshot protocol (Zhang et al. 2016, as implemented by the PGL-SUM code base) turns 2 fps importance
scores into a binary frame-level summary: scores are spread over the frames, averaged per KTS shot, and a
0/1 knapsack picks shots under a budget of 15% of the video. The summary is compared with each user's
binary summary by F-score. Every step below reproduces that code's results exactly (ties included) while
running vectorised.
"""

from __future__ import annotations

import warnings
from typing import Any, Sequence

import datasets
import evaluate
import numpy as np
from scipy.stats import rankdata

EVAL_METHODS = ("max", "avg")
# The conventions of the benchmarks: SumMe keeps the best-matching user, TVSum averages over users.
DATASET_EVAL_METHODS = {"summe": "max", "tvsum": "avg"}
# Inversion counting: up to this many distinct values, one cumulative count per value beats a merge sort.
_FEW_VALUES = 16

_CITATION = """\
@inproceedings{gygli2014summe,
  title     = {Creating Summaries from User Videos},
  author    = {Gygli, Michael and Grabner, Helmut and Riemenschneider, Hayko and Van Gool, Luc},
  booktitle = {European Conference on Computer Vision (ECCV)},
  pages     = {505--520},
  year      = {2014}
}
@inproceedings{song2015tvsum,
  title     = {TVSum: Summarizing Web Videos Using Titles},
  author    = {Song, Yale and Vallmitjana, Jordi and Stent, Amanda and Jaimes, Alejandro},
  booktitle = {IEEE Conference on Computer Vision and Pattern Recognition (CVPR)},
  pages     = {5179--5187},
  year      = {2015}
}
@inproceedings{zhang2016video,
  title     = {Video Summarization with Long Short-Term Memory},
  author    = {Zhang, Ke and Chao, Wei-Lun and Sha, Fei and Grauman, Kristen},
  booktitle = {European Conference on Computer Vision (ECCV)},
  pages     = {766--782},
  year      = {2016}
}
@inproceedings{otani2019rethinking,
  title     = {Rethinking the Evaluation of Video Summaries},
  author    = {Otani, Mayu and Nakashima, Yuta and Rahtu, Esa and Heikkil{\\"a}, Janne},
  booktitle = {IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR)},
  pages     = {7596--7604},
  year      = {2019}
}
@inproceedings{apostolidis2021pglsum,
  title     = {Combining Global and Local Attention with Positional Encoding for Video Summarization},
  author    = {Apostolidis, Evlampios and Balaouras, Georgios and Mezaris, Vasileios and Patras, Ioannis},
  booktitle = {2021 IEEE International Symposium on Multimedia (ISM)},
  pages     = {226--234},
  year      = {2021}
}
"""

_DESCRIPTION = """\
Keyshot-based evaluation of video summaries, the protocol of SumMe/TVSum papers since Zhang et al. (2016):
per-sampled-frame importance scores are turned into a keyshot summary (shot means + 0/1 knapsack under a 15%
budget) and compared with every user's summary by F-score, reduced over users with `max` (SumMe) or `avg`
(TVSum). With raw per-user scores it also reports Kendall's tau and Spearman's rho (Otani et al. 2019), and
with frame features the diversity (mean pairwise cosine similarity) of the selected frames.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions (`list` of `list` of `float`): per video, the importance score of each sampled frame
        (length n_steps, one score per entry of `picks`).
    references (`list` of `dict`): per video, a dict with
        - `user_summary` (2-D 0/1 ints, [n_users, n_frames]): each user's binary summary;
        - `change_points` (2-D ints, [n_shots, 2]): inclusive [start, end] frame index of each shot;
        - `picks` (1-D ints, [n_steps]): original frame index of each sampled frame;
        - `n_frames` (int): number of frames of the video;
        - `user_scores` (optional, 2-D floats, [n_users, n_frames]): raw per-user frame scores (TVSum),
          for `kendall_tau` / `spearman_rho`;
        - `gtscore` (optional, 1-D floats, [n_steps]): the ground-truth score at the picks, for the
          `kendall_tau_gtscore` / `spearman_rho_gtscore` variant (datasets without raw user scores);
        - `features` (optional, 2-D floats, [n_steps, dim]): frame features at the picks, for `diversity`;
        - `video_id` (optional, str): used in error messages.
        An optional field is either given for every video or for none.
    eval_method (`str`, optional): `"max"` or `"avg"` reduction over users. Defaults from `dataset`
        (summe -> max, tvsum -> avg), else from the config name (`evaluate.load(path, "tvsum")`), else `"max"`.
    proportion (`float`, defaults to 0.15): summary budget as a fraction of the video length, in (0, 1].
    dataset (`str`, optional): a dataset name or id containing "summe" or "tvsum", to pick `eval_method`.
Returns:
    f_score (`float`): mean over videos of the per-video F-score (0-100).
    f_scores (`list` of `float`): per-video F-scores, in input order.
    kendall_tau, spearman_rho (`float`): mean over videos of the mean over users, when `user_scores` given.
    kendall_tau_gtscore, spearman_rho_gtscore (`float`): the same against `gtscore`, when given.
    diversity (`float`): mean over videos of the mean pairwise cosine similarity of the selected frames'
        features, when `features` given (lower is more diverse).
Examples:
    >>> import numpy as np, evaluate, pglsum_hf
    >>> metric = evaluate.load(pglsum_hf.METRIC_PATH)
    >>> reference = {
    ...     "user_summary": [[1] * 20 + [0] * 80, [0] * 50 + [1] * 15 + [0] * 35],
    ...     "change_points": [[0, 9], [10, 24], [25, 59], [60, 99]],
    ...     "picks": list(range(0, 100, 10)),
    ...     "n_frames": 100,
    ... }
    >>> scores = [0.9, 0.8, 0.9, 0.1, 0.2, 0.3, 0.2, 0.1, 0.1, 0.1]
    >>> result = metric.compute(predictions=[scores], references=[reference], eval_method="max")
    >>> round(result["f_score"], 2)
    66.67
"""

_REFERENCE_FEATURES = {
    "user_summary": datasets.Sequence(datasets.Sequence(datasets.Value("int8"))),
    "change_points": datasets.Sequence(datasets.Sequence(datasets.Value("int64"))),
    "picks": datasets.Sequence(datasets.Value("int64")),
    "n_frames": datasets.Value("int64"),
    "user_scores": datasets.Sequence(datasets.Sequence(datasets.Value("float64"))),
    "gtscore": datasets.Sequence(datasets.Value("float64")),
    "features": datasets.Sequence(datasets.Sequence(datasets.Value("float32"))),
    "video_id": datasets.Value("string"),
}
_FEATURES = datasets.Features(
    {"predictions": datasets.Sequence(datasets.Value("float64")), "references": _REFERENCE_FEATURES}
)
_REQUIRED_FIELDS = ("user_summary", "change_points", "picks", "n_frames")
_OPTIONAL_FIELDS = ("user_scores", "gtscore", "features")


# ----------------------------------------------------------------------------------------------------
# Input checks. Every message starts with where the problem is ("video 3 ('video_12')") and the field.
# ----------------------------------------------------------------------------------------------------


def _describe(array: np.ndarray) -> str:
    return f"shape {tuple(array.shape)} and dtype {array.dtype}"


def _numeric_array(value: Any, where: str, field: str, ndim: int, integer: bool = False) -> np.ndarray:
    """``value`` as an ``ndim``-D array of finite numbers (int64 if ``integer`` else float64)."""
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as error:  # ragged nested lists
        raise ValueError(f"{where}: {field} is not a regular {ndim}-D array ({error})") from None
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{where}: {field} must be numeric, found {_describe(array)}")
    if array.ndim != ndim:
        raise ValueError(f"{where}: {field} must be a {ndim}-D array, found {_describe(array)}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{where}: {field} contains NaN or infinite values")
    if integer:
        if array.dtype.kind == "f" and not np.all(array == np.round(array)):
            raise ValueError(f"{where}: {field} must hold integers, found non-integral values")
        return array.astype(np.int64)
    return array.astype(np.float64)


def _check_proportion(proportion: float) -> float:
    if isinstance(proportion, bool) or not isinstance(proportion, (int, float, np.floating, np.integer)):
        raise ValueError(f"proportion must be a number in (0, 1], found {proportion!r}")
    if not 0 < proportion <= 1:
        raise ValueError(f"proportion must be in (0, 1], found {proportion}")
    return float(proportion)


def _check_keyshot_inputs(
    scores: Any, picks: Any, n_frames: Any, change_points: Any, where: str
) -> tuple[np.ndarray, np.ndarray, int, np.ndarray]:
    """Validate one video's scores, picks, n_frames and change points; return them as arrays."""
    n_frames_array = _numeric_array(n_frames, where, "n_frames", ndim=0, integer=True)
    n_frames = int(n_frames_array)
    if n_frames < 1:
        raise ValueError(f"{where}: n_frames must be positive, found {n_frames}")
    picks = _numeric_array(picks, where, "picks", ndim=1, integer=True)
    scores = _numeric_array(scores, where, "predictions (scores)", ndim=1)
    if len(scores) != len(picks):
        raise ValueError(
            f"{where}: predictions (scores) has {len(scores)} entries but picks has {len(picks)}; "
            "expected one score per sampled frame"
        )
    if len(picks) == 0:
        raise ValueError(f"{where}: picks is empty; expected at least one sampled frame")
    if np.any(np.diff(picks) <= 0):
        position = int(np.argmax(np.diff(picks) <= 0)) + 1
        raise ValueError(
            f"{where}: picks must be strictly increasing, found {picks[position - 1]} then {picks[position]}"
        )
    if picks[0] < 0 or picks[-1] >= n_frames:
        raise ValueError(
            f"{where}: picks must be frame indices in [0, {n_frames - 1}] (n_frames={n_frames}), "
            f"found {picks[0]}..{picks[-1]}"
        )
    change_points = _numeric_array(change_points, where, "change_points", ndim=2, integer=True)
    if change_points.shape[0] == 0 or change_points.shape[1] != 2:
        raise ValueError(
            f"{where}: change_points must have shape (n_shots >= 1, 2) of inclusive [start, end] frames, "
            f"found {_describe(change_points)}"
        )
    starts, ends = change_points[:, 0], change_points[:, 1]
    if starts[0] < 0 or ends[-1] >= n_frames:
        raise ValueError(
            f"{where}: change_points out of range: shots span frames {starts[0]}..{ends[-1]} but the video "
            f"has frames 0..{n_frames - 1} (n_frames={n_frames})"
        )
    if np.any(ends < starts):
        shot = int(np.argmax(ends < starts))
        raise ValueError(f"{where}: change_points shot {shot} ends before it starts: {change_points[shot].tolist()}")
    if np.any(starts[1:] <= ends[:-1]):
        shot = int(np.argmax(starts[1:] <= ends[:-1])) + 1
        raise ValueError(
            f"{where}: change_points shots must be increasing and non-overlapping, but shot {shot} "
            f"{change_points[shot].tolist()} starts at or before the end of shot {shot - 1} "
            f"{change_points[shot - 1].tolist()}"
        )
    return scores, picks, n_frames, change_points


# ----------------------------------------------------------------------------------------------------
# Keyshot summary.
# ----------------------------------------------------------------------------------------------------


def frame_scores_from_steps(scores: np.ndarray, picks: np.ndarray, n_frames: int) -> np.ndarray:
    """Spread sampled-frame scores over the frames: frames picks[i] .. picks[i+1]-1 get scores[i].

    Args:
        scores: [n_steps] scores, one per pick.
        picks: [n_steps] strictly increasing frame indices below ``n_frames``.
    Returns:
        [n_frames] float32 frame scores (0 before the first pick), as the reference code stores them.
    """
    picks = np.asarray(picks)
    frame_scores = np.zeros(n_frames, dtype=np.float32)
    frame_scores[picks[0] :] = np.repeat(np.asarray(scores, dtype=np.float32), np.diff(np.append(picks, n_frames)))
    return frame_scores


def shot_scores(frame_scores: np.ndarray, change_points: np.ndarray) -> np.ndarray:
    """[n_shots] mean frame score of each inclusive [start, end] shot.

    Each mean is taken by numpy over the float32 frames (pairwise float32 summation), exactly as the
    reference code does, so the knapsack sees bit-identical values; a vectorised segment sum would round
    differently and could flip ties.
    """
    return np.array([frame_scores[start : end + 1].mean() for start, end in change_points], dtype=np.float64)


def knapsack(values: Sequence[float], weights: Sequence[int], capacity: int) -> np.ndarray:
    """0/1 knapsack: the items the classic DP table selects, ascending.

    The table K[i][w] = max(values[i-1] + K[i-1][w - weights[i-1]], K[i-1][w]) (K[i][0] = K[0][w] = 0)
    is filled in float64 one row at a time with numpy; only "row i changed at w" is kept, because the walk
    back from (n, capacity) takes item i-1 iff K[i][w] != K[i-1][w]. The result is therefore identical to
    the pure-Python table, ties included.

    Args:
        values: [n] item values (finite).
        weights: [n] non-negative integer weights.
        capacity: non-negative integer capacity.
    Returns:
        int64 array of selected item indices, ascending.
    """
    values = _numeric_array(values, "knapsack", "values", ndim=1)
    weights = _numeric_array(weights, "knapsack", "weights", ndim=1, integer=True)
    capacity = int(_numeric_array(capacity, "knapsack", "capacity", ndim=0, integer=True))
    if len(values) != len(weights):
        raise ValueError(f"knapsack: values has {len(values)} items but weights has {len(weights)}")
    if np.any(weights < 0) or capacity < 0:
        raise ValueError(f"knapsack: weights and capacity must be non-negative, found capacity {capacity}")

    row = np.zeros(capacity + 1, dtype=np.float64)
    changed = np.zeros((len(values), capacity + 1), dtype=bool)
    for item, (value, weight) in enumerate(zip(values, weights)):
        first = max(int(weight), 1)  # column 0 stays 0 whatever the item (the table's w == 0 rule)
        if first > capacity:
            continue
        kept = row[first:]
        best = np.maximum(value + row[first - weight : capacity + 1 - weight], kept)
        changed[item, first:] = best != kept
        row[first:] = best

    selected = []
    remaining = capacity
    for item in range(len(values) - 1, -1, -1):
        if changed[item, remaining]:
            selected.append(item)
            remaining -= int(weights[item])
    return np.array(selected[::-1], dtype=np.int64)


def _budget(change_points: np.ndarray, proportion: float, budget_frames: int | None, where: str) -> int:
    if budget_frames is None:
        return int((int(change_points[-1, 1]) + 1) * proportion)
    budget = _numeric_array(budget_frames, where, "budget_frames", ndim=0, integer=True)
    if budget < 0:
        raise ValueError(f"{where}: budget_frames must be non-negative, found {int(budget)}")
    return int(budget)


def _keyshot_mask(
    scores: np.ndarray,
    picks: np.ndarray,
    n_frames: int,
    change_points: np.ndarray,
    proportion: float,
    budget_frames: int | None,
    where: str,
) -> np.ndarray:
    values = shot_scores(frame_scores_from_steps(scores, picks, n_frames), change_points)
    lengths = change_points[:, 1] - change_points[:, 0] + 1
    mask = np.zeros(len(change_points), dtype=bool)
    mask[knapsack(values, lengths, _budget(change_points, proportion, budget_frames, where))] = True
    return mask


def _summary_from_mask(mask: np.ndarray, change_points: np.ndarray) -> np.ndarray:
    summary = np.zeros(int(change_points[-1, 1]) + 1, dtype=np.int8)
    for start, end in change_points[mask]:
        summary[start : end + 1] = 1
    return summary


def select_keyshots(
    scores: Sequence[float],
    picks: Sequence[int],
    n_frames: int,
    change_points: Sequence[Sequence[int]],
    proportion: float = 0.15,
    budget_frames: int | None = None,
) -> np.ndarray:
    """Choose the keyshots of one video.

    Args:
        scores: [n_steps] importance score of each sampled frame.
        picks: [n_steps] frame index of each sampled frame.
        n_frames: number of frames of the video.
        change_points: [n_shots, 2] inclusive [start, end] frames of each shot.
        proportion: budget as a fraction of (last shot end + 1), in (0, 1].
        budget_frames: budget in frames; overrides ``proportion`` when given.
    Returns:
        [n_shots] bool, True for the selected shots.
    """
    proportion = _check_proportion(proportion)
    scores, picks, n_frames, change_points = _check_keyshot_inputs(scores, picks, n_frames, change_points, "input")
    return _keyshot_mask(scores, picks, n_frames, change_points, proportion, budget_frames, "input")


def generate_summary(
    scores: Sequence[float],
    picks: Sequence[int],
    n_frames: int,
    change_points: Sequence[Sequence[int]],
    proportion: float = 0.15,
) -> np.ndarray:
    """Binary keyshot summary of one video (see ``select_keyshots`` for the arguments).

    Returns:
        [last shot end + 1] int8, 1 on the frames of the selected shots.
    """
    mask = select_keyshots(scores, picks, n_frames, change_points, proportion)
    return _summary_from_mask(mask, np.asarray(change_points, dtype=np.int64))


# ----------------------------------------------------------------------------------------------------
# F-score.
# ----------------------------------------------------------------------------------------------------


def user_f_scores(summary: np.ndarray, user_summary: np.ndarray, where: str = "input") -> np.ndarray:
    """F-score (0-100) of a binary summary against each user's binary summary.

    Both are zero-padded to the longer length. An empty summary scores 0 (the reference code returns NaN),
    and so does a user whose summary is empty.

    Args:
        summary: [length] 0/1.
        user_summary: [n_users, n_frames] 0/1.
    Returns:
        [n_users] float64.
    """
    summary = np.asarray(summary).astype(bool)
    users = np.asarray(user_summary).astype(bool)
    length = max(len(summary), users.shape[1])
    padded_summary = np.zeros(length, dtype=bool)
    padded_summary[: len(summary)] = summary
    padded_users = np.zeros((len(users), length), dtype=bool)
    padded_users[:, : users.shape[1]] = users

    selected = int(padded_summary.sum())
    if selected == 0:
        warnings.warn(f"{where}: the summary selects no frame (budget smaller than every shot?); F-score is 0")
        return np.zeros(len(users))
    overlap = (padded_users & padded_summary).sum(axis=1)
    user_lengths = padded_users.sum(axis=1)
    if np.any(user_lengths == 0):
        empty = np.flatnonzero(user_lengths == 0).tolist()
        warnings.warn(f"{where}: user_summary rows {empty} select no frame; their F-score is 0")
    precision = overlap / selected
    recall = np.divide(overlap, user_lengths, out=np.zeros(len(users)), where=user_lengths > 0)
    total = precision + recall
    # Same operation order as the reference code, so the floats match bit for bit.
    return np.divide(2 * precision * recall * 100, total, out=np.zeros(len(users)), where=total != 0)


def reduce_over_users(f_scores: np.ndarray, eval_method: str) -> float:
    """``max`` (SumMe) or ``avg`` (TVSum) of a video's per-user F-scores."""
    if eval_method == "max":
        return float(np.max(f_scores))
    if eval_method == "avg":
        # A left-to-right sum like the reference code (numpy's pairwise sum can differ in the last bit).
        return sum(f_scores.tolist()) / len(f_scores)
    raise ValueError(f"eval_method must be one of {EVAL_METHODS}, found {eval_method!r}")


def resolve_eval_method(eval_method: str | None = None, dataset: str | None = None) -> str:
    """``eval_method`` if given, else the convention of ``dataset`` (summe -> max, tvsum -> avg), else max."""
    if eval_method is not None:
        if eval_method not in EVAL_METHODS:
            raise ValueError(f"eval_method must be one of {EVAL_METHODS}, found {eval_method!r}")
        return eval_method
    if dataset is None:
        return "max"
    matches = {method for name, method in DATASET_EVAL_METHODS.items() if name in str(dataset).lower()}
    if len(matches) != 1:
        raise ValueError(
            f"cannot tell the eval_method of dataset {dataset!r} (known: {sorted(DATASET_EVAL_METHODS)}); "
            f"pass eval_method as one of {EVAL_METHODS}"
        )
    return matches.pop()


# ----------------------------------------------------------------------------------------------------
# Rank correlation (Otani et al. 2019) and diversity.
# ----------------------------------------------------------------------------------------------------


def _undefined_to_zero(correlation: np.ndarray, name: str) -> np.ndarray:
    if np.any(np.isnan(correlation)):
        warnings.warn(f"{name} is undefined against a constant series; counted as 0 for those pairs")
    return np.nan_to_num(correlation, nan=0.0)


def _tied_pairs(sorted_rows: np.ndarray) -> np.ndarray:
    """Per row of a row-wise sorted [rows, n] array, the number of equal pairs: sum t * (t - 1) / 2 over runs."""
    rows, n = sorted_rows.shape
    position = np.arange(n)
    new_run = np.ones((rows, n), dtype=bool)
    new_run[:, 1:] = sorted_rows[:, 1:] != sorted_rows[:, :-1]
    # Each element is tied with the elements of its run before it: its position minus the run's start.
    return (position - np.maximum.accumulate(np.where(new_run, position, 0), axis=1)).sum(axis=1)


def _count_inversions(values: np.ndarray) -> np.ndarray:
    """Per row, the number of pairs i < j with values[i] > values[j].

    With few distinct values (TVSum's 1-5 user scores) one cumulative count per value is fastest.
    Otherwise a bottom-up merge sort: each level merges neighbouring sorted blocks of ``width`` elements
    of all rows at once with one stable sort of the flattened keys (timsort: linear on sorted runs), ties
    keeping the left element first; a right-block element then moves left past exactly the left-block
    elements greater than it, so the level's inversions are the distances right-block elements move.

    Args:
        values: [rows, n] non-negative int64.
    Returns:
        [rows] int64.
    """
    rows, n = values.shape
    span = int(values.max()) + 1 if values.size else 1
    inversions = np.zeros(rows, dtype=np.int64)
    if span <= _FEW_VALUES:
        for value in range(span - 1):
            greater_so_far = np.cumsum(values > value, axis=1)
            inversions += np.where(values == value, greater_so_far, 0).sum(axis=1)
        return inversions
    position = np.tile(np.arange(n), rows)  # place of each flattened element inside its row
    row_start = np.repeat(np.arange(rows) * n, n)
    current = values.ravel().astype(np.int64)  # sorted within every block of `width`
    width = 1
    while width < n:
        # Offsetting each merge into its own key range: sorting all keys sorts inside merges, in place.
        offset = (row_start + position // (2 * width) * (2 * width)) * span
        order = np.argsort(offset + current, kind="stable")
        came_from = position[order]  # the in-row place, before this level, of the element now at each place
        inversions += np.where((came_from // width) % 2 == 1, came_from - position, 0).reshape(rows, n).sum(axis=1)
        current = current[order]
        width *= 2
    return inversions


def _dense_ranks(series: np.ndarray) -> np.ndarray:
    """[rows, n] float -> [rows, n] int64 ranks 0, 1, 2, ... with ties sharing a rank."""
    return rankdata(series, method="dense", axis=1).astype(np.int64) - 1


def kendall_tau_b(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Kendall's tau-b of every row of ``x`` against every row of ``y``.

    The tie-aware variant (scipy's default): tau-b = (concordant - discordant) / sqrt((pairs - ties in x)
    * (pairs - ties in y)), computed on ranks (which order pairs as the values do). Knight's algorithm for
    all row pairs at once: sort by (x, y); the discordant pairs are then the inversions of y.

    Args:
        x: [a, n] or [n]; y: [b, n] or [n].
    Returns:
        [a, b] float64; 0 (with a warning) where a row is constant.
    """
    x_ranks, y_ranks = _dense_ranks(np.atleast_2d(x)), _dense_ranks(np.atleast_2d(y))
    if x_ranks.shape[1] != y_ranks.shape[1]:
        raise ValueError(f"kendall_tau_b: series lengths differ ({x_ranks.shape[1]} vs {y_ranks.shape[1]})")
    if x_ranks.max() < y_ranks.max():  # tau is symmetric: count inversions in the series with fewer values
        return kendall_tau_b(y, x).T
    a, b, n = len(x_ranks), len(y_ranks), x_ranks.shape[1]
    levels = int(y_ranks.max()) + 1
    by_x_then_y = np.sort(np.repeat(x_ranks, b, axis=0) * levels + np.tile(y_ranks, (a, 1)), axis=1)  # [a * b, n]
    both_ties = _tied_pairs(by_x_then_y)
    discordant = _count_inversions(by_x_then_y % levels)
    x_ties = np.repeat(_tied_pairs(np.sort(x_ranks, axis=1)), b)
    y_ties = np.tile(_tied_pairs(np.sort(y_ranks, axis=1)), a)
    pairs = n * (n - 1) // 2
    concordant_minus_discordant = pairs - x_ties - y_ties + both_ties - 2 * discordant
    with np.errstate(invalid="ignore", divide="ignore"):
        tau = concordant_minus_discordant / np.sqrt((pairs - x_ties).astype(np.float64) * (pairs - y_ties))
    return _undefined_to_zero(tau.reshape(a, b), "Kendall's tau")


def spearman_rho(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Spearman's rho (Pearson correlation of average-tie ranks) of every row of ``x`` against every row of ``y``.

    Args:
        x: [a, n] or [n]; y: [b, n] or [n].
    Returns:
        [a, b] float64; 0 (with a warning) where a row is constant.
    """

    def centred_ranks(series: np.ndarray) -> np.ndarray:
        ranks = rankdata(np.atleast_2d(series), axis=1)
        ranks -= ranks.mean(axis=1, keepdims=True)
        return ranks / np.linalg.norm(ranks, axis=1, keepdims=True)

    with np.errstate(invalid="ignore", divide="ignore"):
        rho = centred_ranks(x) @ centred_ranks(y).T
    return _undefined_to_zero(rho, "Spearman's rho")


def rank_correlation(scores: np.ndarray, user_scores: np.ndarray) -> tuple[float, float]:
    """Mean over users of Kendall's tau-b and Spearman's rho between ``scores`` and each user's scores.

    Args:
        scores: [n_steps] predicted scores.
        user_scores: [n_users, n_steps] each user's scores at the same sampled frames.
    Returns:
        (tau, rho).
    """
    return float(kendall_tau_b(scores, user_scores).mean()), float(spearman_rho(scores, user_scores).mean())


def diversity(summary: np.ndarray, picks: np.ndarray, features: np.ndarray) -> float:
    """Mean pairwise cosine similarity of the features of the sampled frames the summary selects.

    Averaged over ordered pairs of distinct selected frames; 0 when fewer than two are selected.
    Lower is more diverse. An all-zero feature vector counts as similarity 0 to everything.

    Args:
        summary: [length] 0/1 frame-level summary.
        picks: [n_steps] frame index of each sampled frame.
        features: [n_steps, dim] feature of each sampled frame.
    """
    summary, picks = np.asarray(summary), np.asarray(picks)
    in_summary = picks < len(summary)
    chosen = np.flatnonzero(in_summary)[summary[picks[in_summary]] > 0]
    if len(chosen) < 2:
        return 0.0
    vectors = np.asarray(features, dtype=np.float64)[chosen]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
    # Sum over ordered pairs i != j of u_i . u_j = |sum_i u_i|^2 - sum_i |u_i|^2: no k x k Gram matrix.
    total = unit.sum(axis=0)
    return float((total @ total - np.sum(unit * unit)) / (len(chosen) * (len(chosen) - 1)))


# ----------------------------------------------------------------------------------------------------
# The whole evaluation.
# ----------------------------------------------------------------------------------------------------


def _video_label(index: int, reference: Any) -> str:
    video_id = reference.get("video_id") if isinstance(reference, dict) else None
    return f"video {index}" + (f" ({video_id!r})" if video_id else "")


def _check_reference_fields(reference: Any, where: str) -> None:
    if not isinstance(reference, dict):
        raise ValueError(f"{where}: a reference must be a dict, found {type(reference).__name__}")
    unknown = sorted(set(reference) - set(_REFERENCE_FEATURES))
    if unknown:
        raise ValueError(f"{where}: unknown reference field(s) {unknown}; expected fields {list(_REFERENCE_FEATURES)}")
    missing = [field for field in _REQUIRED_FIELDS if reference.get(field) is None]
    if missing:
        raise ValueError(f"{where}: reference is missing required field(s) {missing}")


def _present_optional_fields(references: Sequence[dict]) -> list[str]:
    """Optional fields given for every video; a field given for only some videos is an error."""
    present = []
    for field in _OPTIONAL_FIELDS:
        missing = [index for index, reference in enumerate(references) if reference.get(field) is None]
        if len(missing) == len(references):
            continue
        if missing:
            raise ValueError(
                f"references: optional field {field!r} is given for some videos but missing for videos "
                f"{missing[:10]}{'...' if len(missing) > 10 else ''}; give it for every video or for none"
            )
        present.append(field)
    return present


def compute_metrics(
    predictions: Sequence[Sequence[float]],
    references: Sequence[dict],
    eval_method: str | None = None,
    proportion: float = 0.15,
    dataset: str | None = None,
) -> dict[str, Any]:
    """Evaluate the scores of several videos (the pure function behind ``metric.compute``).

    Args:
        predictions: per video, [n_steps] scores.
        references: per video, a dict with ``user_summary`` [n_users, n_frames], ``change_points``
            [n_shots, 2], ``picks`` [n_steps], ``n_frames``, and optionally ``user_scores``
            [n_users, n_frames], ``gtscore`` [n_steps], ``features`` [n_steps, dim], ``video_id``.
        eval_method: "max" or "avg"; None picks it from ``dataset`` (summe -> max, tvsum -> avg), else max.
        proportion: summary budget as a fraction of the video, in (0, 1].
        dataset: dataset name used to pick ``eval_method``.
    Returns:
        ``f_score`` and ``f_scores`` (in input order); ``kendall_tau``/``spearman_rho`` with user_scores,
        ``kendall_tau_gtscore``/``spearman_rho_gtscore`` with gtscore, ``diversity`` with features.
    """
    eval_method = resolve_eval_method(eval_method, dataset)
    proportion = _check_proportion(proportion)
    if len(predictions) != len(references):
        raise ValueError(f"got {len(predictions)} predictions but {len(references)} references; expected one per video")
    if len(references) == 0:
        raise ValueError("no videos to evaluate: predictions and references are empty")
    for index, reference in enumerate(references):
        _check_reference_fields(reference, _video_label(index, reference))
    optional = _present_optional_fields(references)

    outputs = ("f_scores", "kendall_tau", "spearman_rho", "kendall_tau_gtscore", "spearman_rho_gtscore", "diversity")
    per_video: dict[str, list[float]] = {name: [] for name in outputs}
    for index, (scores, reference) in enumerate(zip(predictions, references)):
        where = _video_label(index, reference)
        scores, picks, n_frames, change_points = _check_keyshot_inputs(
            scores, reference["picks"], reference["n_frames"], reference["change_points"], where
        )
        user_summary = _numeric_array(reference["user_summary"], where, "user_summary", ndim=2, integer=True)
        if user_summary.shape[0] == 0 or user_summary.shape[1] != n_frames:
            raise ValueError(
                f"{where}: user_summary must have shape (n_users >= 1, n_frames={n_frames}), "
                f"found {_describe(user_summary)}"
            )
        if np.any((user_summary != 0) & (user_summary != 1)):
            found = np.unique(user_summary)[:5].tolist()
            raise ValueError(f"{where}: user_summary must be binary (0/1), found values {found}")

        mask = _keyshot_mask(scores, picks, n_frames, change_points, proportion, None, where)
        summary = _summary_from_mask(mask, change_points)
        per_video["f_scores"].append(reduce_over_users(user_f_scores(summary, user_summary, where), eval_method))

        if "user_scores" in optional:
            user_scores = _numeric_array(reference["user_scores"], where, "user_scores", ndim=2)
            if user_scores.shape[0] == 0 or user_scores.shape[1] != n_frames:
                raise ValueError(
                    f"{where}: user_scores must have shape (n_users >= 1, n_frames={n_frames}), "
                    f"found {_describe(user_scores)}"
                )
            tau, rho = rank_correlation(scores, user_scores[:, picks])
            per_video["kendall_tau"].append(tau)
            per_video["spearman_rho"].append(rho)
        if "gtscore" in optional:
            gtscore = _numeric_array(reference["gtscore"], where, "gtscore", ndim=1)
            if len(gtscore) != len(picks):
                raise ValueError(f"{where}: gtscore has {len(gtscore)} entries but picks has {len(picks)}")
            tau, rho = rank_correlation(scores, gtscore[None])
            per_video["kendall_tau_gtscore"].append(tau)
            per_video["spearman_rho_gtscore"].append(rho)
        if "features" in optional:
            features = _numeric_array(reference["features"], where, "features", ndim=2)
            if len(features) != len(picks):
                raise ValueError(f"{where}: features has {len(features)} rows but picks has {len(picks)}")
            per_video["diversity"].append(diversity(summary, picks, features))

    f_scores = per_video.pop("f_scores")
    result: dict[str, Any] = {"f_score": float(np.mean(f_scores)), "f_scores": f_scores}
    result.update({name: float(np.mean(values)) for name, values in per_video.items() if values})  # means over videos
    return result


def _with_all_fields(reference: Any, where: str) -> dict:
    _check_reference_fields(reference, where)
    return {field: reference.get(field, "" if field == "video_id" else None) for field in _REFERENCE_FEATURES}


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class VideoSummarization(evaluate.Metric):
    """Keyshot F-score, rank correlation and diversity of video summaries.

    The config name may be "summe" or "tvsum" to set the default ``eval_method``.
    """

    def _info(self) -> evaluate.MetricInfo:
        if self.config_name not in ("default", *DATASET_EVAL_METHODS):
            raise ValueError(
                f"unknown config name {self.config_name!r}; expected 'default' or one of {sorted(DATASET_EVAL_METHODS)}"
            )
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=_FEATURES,
            reference_urls=[
                "https://gyglim.github.io/me/vsum/index.html",
                "https://github.com/yalesong/tvsum",
                "https://arxiv.org/abs/1605.08110",
                "https://arxiv.org/abs/1903.11328",
                "https://github.com/e-apostolidis/PGL-SUM",
            ],
        )

    # evaluate stores references through `_FEATURES`, which needs every field present in every dict:
    # absent optional fields are filled with null (and an empty video_id) before they are written.
    def add_batch(self, *, predictions=None, references=None, **kwargs) -> None:
        """Add a batch of videos: per-video scores and reference dicts (optional fields may be left out)."""
        if references is not None:
            references = [_with_all_fields(ref, f"batch reference {index}") for index, ref in enumerate(references)]
        super().add_batch(predictions=predictions, references=references, **kwargs)

    def add(self, *, prediction=None, reference=None, **kwargs) -> None:
        """Add one video: its scores and its reference dict (optional fields may be left out)."""
        if reference is not None:
            reference = _with_all_fields(reference, "reference")
        super().add(prediction=prediction, reference=reference, **kwargs)

    def _compute(
        self,
        predictions: list,
        references: list,
        eval_method: str | None = None,
        proportion: float = 0.15,
        dataset: str | None = None,
    ) -> dict[str, Any]:
        if dataset is None and self.config_name in DATASET_EVAL_METHODS:
            dataset = self.config_name
        return compute_metrics(predictions, references, eval_method=eval_method, proportion=proportion, dataset=dataset)
