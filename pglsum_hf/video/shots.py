"""Shot boundaries by kernel temporal segmentation (KTS; Potapov, Douze, Harchaoui, Schmid, ECCV 2014).

With L2-normalised features X [N, D] and the linear kernel K = X X^T, the scatter of a segment [i, j) is

    scatter(i, j) = sum_{t in [i, j)} K[t, t]  -  (1 / (j - i)) * sum_{s, t in [i, j)} K[s, t],

the within-segment variance of the features (times the segment length). For every number m of change
points a dynamic program finds the m change points with the least total scatter L_m; KTS then keeps the m
minimising the penalised cost

    L_m / N + vmax * m / (2 N) * (log(N / m) + 1).

Everything is vectorised: the scatter of all N^2 segments comes from one 2-D cumulative sum of K, and each
step of the dynamic program is a min-reduction over the lower triangle of an [N, N] array, in row blocks. The search over m stops as soon as
the penalty alone (L_m >= 0, and the penalty grows with m) exceeds the best cost found, which is exact; so the
default maximum number of change points, N - 1, costs nothing for typical videos.

Long videos: the exact search needs several [N + 1, N + 1] float64 tables and time growing faster than N^2,
so :func:`detect_shots` runs it over overlapping windows of ``window`` steps (default 1200: ten minutes at
2 fps) that start every ``window - overlap`` steps (default overlap 240: two minutes). Each window is
segmented exactly, on its own (its penalty uses the window's length), and keeps the change points of its
middle part: the boundary between two neighbouring windows' parts lies in the middle of their overlap, so
every change point was found with at least ``overlap / 2`` steps of context on both sides. Time and memory
then grow like N x window (a fixed cost per window, N / (window - overlap) windows), and for N <= window
there is one window: the result is exactly :func:`kernel_temporal_segmentation` on the whole sequence.

vmax weighs the penalty against the scatter, so it depends on the features' scale. The default, 1.0, is the
value used with ImageNet GoogLeNet pool5 features by the public video summarization code bases; features of
an untrained network are nearly parallel (cosine similarity ~0.95 between scenes, ~0.999 within one), and
need a far smaller one (the summarizer uses 0.05 with ``random`` weights).
"""

from __future__ import annotations

import itertools

import numpy as np

DEFAULT_VMAX = 1.0
# Untrained GoogLeNet features are nearly parallel (see above), so KTS needs a much smaller penalty weight.
RANDOM_FEATURES_VMAX = 0.05
# Windowed KTS for long videos (see the module docstring): steps per window and steps shared by neighbours.
DEFAULT_WINDOW = 1200
DEFAULT_OVERLAP = 240
# Rows (segment ends) of the dynamic program handled at once: large enough for numpy to run at full speed,
# small enough that the skipped upper triangle (segments ending before they start) is most of the waste.
_BLOCK = 128


def segment_scatter(features: np.ndarray) -> np.ndarray:
    """Scatter of every segment of a sequence of features.

    Args:
        features: [N, D], rows L2-normalised (the kernel is their Gram matrix).

    Returns:
        float64 [N + 1, N + 1]: entry [i, j] is scatter(i, j) of the segment [i, j) for i < j, +inf otherwise.
    """
    x = np.asarray(features, dtype=np.float64)
    n = len(x)
    kernel = x @ x.T
    # cum[i, j] = sum of kernel[:i, :j]; the block sum of [i, j) x [i, j) is then four look-ups.
    cum = np.zeros((n + 1, n + 1))
    np.cumsum(np.cumsum(kernel, axis=0), axis=1, out=cum[1:, 1:])
    diag_cum = np.concatenate([[0.0], np.cumsum(np.diag(kernel))])
    corner = np.diag(cum)
    block = corner[None, :] + corner[:, None]
    block -= cum
    block -= cum.T
    length = np.arange(n + 1)[None, :] - np.arange(n + 1)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        scatter = (diag_cum[None, :] - diag_cum[:, None]) - block / length
    scatter[length <= 0] = np.inf
    # Rounding can leave tiny negative values where a segment's frames are identical.
    np.maximum(scatter, 0.0, out=scatter)
    return scatter


def kts_penalty(n: int, m: np.ndarray | int, vmax: float = DEFAULT_VMAX) -> np.ndarray:
    """The model-selection penalty vmax * m / (2N) * (log(N / m) + 1), 0 for m = 0."""
    m = np.asarray(m, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        penalty = vmax * m / (2.0 * n) * (np.log(n / m) + 1.0)
    return np.where(m > 0, penalty, 0.0)


def kernel_temporal_segmentation(
    features: np.ndarray,
    max_change_points: int | None = None,
    vmax: float = DEFAULT_VMAX,
) -> np.ndarray:
    """Change points of a feature sequence by KTS.

    Args:
        features: [N, D] features of N (sampled) frames; they are L2-normalised here.
        max_change_points: largest number of change points considered (default N - 1, i.e. no limit).
        vmax: weight of the penalty on the number of change points (larger = fewer, longer segments).

    Returns:
        int64 [m], ascending indices in 1..N-1 at which a new segment begins.
    """
    x = np.asarray(features, dtype=np.float64)
    if x.ndim != 2 or len(x) == 0:
        raise ValueError(f"KTS needs features of shape [N, D] with N >= 1, found {x.shape}")
    n = len(x)
    x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    limit = n - 1 if max_change_points is None else min(int(max_change_points), n - 1)

    # Transposed so that each step reduces along contiguous memory: scatter_t[j, i] = scatter(i, j).
    scatter_t = np.ascontiguousarray(segment_scatter(x).T)
    cost = scatter_t[:, 0].copy()  # cost[j]: least scatter of [0, j) in m + 1 segments (m = 0 here)
    best_m, best_total = 0, cost[n] / n
    back: list[np.ndarray] = []  # back[m - 1][j - m - 1]: start of the last segment of the best split of [0, j)
    buffer = np.empty((_BLOCK, n + 1))
    for m in range(1, limit + 1):
        if kts_penalty(n, m, vmax) >= best_total:
            break  # the scatter term is >= 0 and the penalty grows with m: no larger m can win
        # cost_m[j] = min over i in [m, j) of cost_{m-1}[i] + scatter(i, j), for j in m+1..n; in blocks of j so
        # that only the i < j half of the table is read.
        new_cost = np.full(n + 1, np.inf)
        argmin = np.empty(n - m, dtype=np.int64)
        for first in range(m + 1, n + 1, _BLOCK):
            last = min(first + _BLOCK, n + 1)
            candidates = np.add(scatter_t[first:last, m:last], cost[m:last], out=buffer[: last - first, : last - m])
            best = candidates.argmin(axis=1)
            argmin[first - m - 1 : last - m - 1] = best + m
            new_cost[first:last] = candidates[np.arange(last - first), best]
        back.append(argmin)
        cost = new_cost
        total = cost[n] / n + float(kts_penalty(n, m, vmax))
        if total < best_total:
            best_m, best_total = m, total

    change_points = []
    end = n
    for m in range(best_m, 0, -1):
        end = int(back[m - 1][end - m - 1])
        change_points.append(end)
    return np.asarray(change_points[::-1], dtype=np.int64)


def shots_from_change_points(change_points: np.ndarray, picks: np.ndarray, n_frames: int) -> np.ndarray:
    """Map change points on sampled frames to shots on the original frames.

    A shot begins at the first sampled frame that belongs to it (the real cut lies at most one sampling
    step earlier) and ends just before the next shot.

    Args:
        change_points: [m] indices into ``picks`` where a new segment begins.
        picks: [N] original frame index of every sampled frame.
        n_frames: number of frames of the video.

    Returns:
        int64 [m + 1, 2] inclusive ``[start, end]`` rows covering 0..n_frames-1 exactly.
    """
    starts = np.concatenate([[0], np.asarray(picks)[np.asarray(change_points, dtype=np.int64)]]).astype(np.int64)
    ends = np.concatenate([starts[1:] - 1, [n_frames - 1]]).astype(np.int64)
    return np.stack([starts, ends], axis=1)


def kts_windows(
    n: int, window: int = DEFAULT_WINDOW, overlap: int = DEFAULT_OVERLAP
) -> list[tuple[int, int, int, int]]:
    """The windows of windowed KTS over ``n`` steps.

    Returns:
        ``(start, end, keep_start, keep_end)`` per window: it is segmented over steps ``[start, end)`` and
        keeps the change points in ``[keep_start, keep_end)``; the kept ranges tile ``[0, n)``. One window
        ``(0, n, 0, n)`` when ``n <= window``.
    """
    check_window(window, overlap)
    if n <= window:
        return [(0, n, 0, n)]
    stride = window - overlap
    starts = list(range(0, n - window, stride)) + [n - window]
    # Each boundary between kept ranges lies in the middle of the two windows' overlap.
    cuts = [0] + [(following + start + window) // 2 for start, following in itertools.pairwise(starts)] + [n]
    return [(start, start + window, cuts[k], cuts[k + 1]) for k, start in enumerate(starts)]


def check_window(window: int, overlap: int) -> None:
    """Refuse window settings that cannot tile a sequence (``window >= 2``, ``0 <= overlap < window``)."""
    if int(window) != window or window < 2:
        raise ValueError(f"KTS window must be an integer >= 2 steps, got {window}")
    if int(overlap) != overlap or not 0 <= overlap < window:
        raise ValueError(f"KTS overlap must be an integer in [0, window) = [0, {window}), got {overlap}")


def windowed_kts(
    features: np.ndarray,
    max_change_points: int | None = None,
    vmax: float = DEFAULT_VMAX,
    window: int = DEFAULT_WINDOW,
    overlap: int = DEFAULT_OVERLAP,
) -> np.ndarray:
    """Change points by KTS over overlapping windows (exact KTS when ``len(features) <= window``).

    Args:
        features: [N, D] features of N sampled frames.
        max_change_points: largest number of change points considered in each window (default: no limit).
        vmax: penalty weight, as in :func:`kernel_temporal_segmentation`.
        window, overlap: steps per window and steps shared by neighbouring windows (module docstring).

    Returns:
        int64 [m], ascending indices in 1..N-1 at which a new segment begins.
    """
    if np.ndim(features) != 2 or len(features) == 0:
        raise ValueError(f"KTS needs features of shape [N, D] with N >= 1, found {np.shape(features)}")
    if not (np.isfinite(vmax) and vmax > 0):
        raise ValueError(f"KTS vmax must be a finite number > 0, got {vmax}")
    if max_change_points is not None and max_change_points < 0:
        raise ValueError(f"KTS max_change_points must be >= 0 (None: no limit), got {max_change_points}")
    found = []
    for start, end, keep_start, keep_end in kts_windows(len(features), window, overlap):
        local = (
            kernel_temporal_segmentation(features[start:end], max_change_points=max_change_points, vmax=vmax) + start
        )
        found.append(local[(local >= keep_start) & (local < keep_end)])
    return np.concatenate(found).astype(np.int64)


def detect_shots(
    features: np.ndarray,
    picks: np.ndarray,
    n_frames: int,
    max_change_points: int | None = None,
    vmax: float = DEFAULT_VMAX,
    window: int = DEFAULT_WINDOW,
    overlap: int = DEFAULT_OVERLAP,
) -> np.ndarray:
    """Shots of a video from its sampled-frame features (windowed KTS + mapping to original frames).

    Deterministic: the same features and parameters always give the same shots.

    Args:
        features: [N, D] features of the sampled frames.
        picks: [N] original frame indices of those frames.
        n_frames: number of frames of the video.
        max_change_points, vmax: see :func:`kernel_temporal_segmentation` (the limit applies per window).
        window, overlap: see :func:`windowed_kts`; exact KTS when N <= window.

    Returns:
        int64 [S, 2] inclusive ``[start, end]`` frame ranges covering the whole video.
    """
    if len(features) != len(picks):
        raise ValueError(f"got features for {len(features)} sampled frames but {len(picks)} picks")
    change_points = windowed_kts(
        features, max_change_points=max_change_points, vmax=vmax, window=window, overlap=overlap
    )
    return shots_from_change_points(change_points, picks, n_frames)
