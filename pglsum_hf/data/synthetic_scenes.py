"""A SYNTHETIC raw-video corpus in which light scenes matter: videos and the annotations that say so.

Each video's scenes alternate between two visually distinct kinds, light and dark (see
:func:`pglsum_hf.video.make_synthetic_video`); an ``intervals`` annotation CSV holds three made-up annotators who
keep the light scenes, each in their own imperfect way. Built with ``pglsum make-dataset``, the corpus is a training
benchmark whose preference a model can learn even from random GoogLeNet features (``pglsum demo`` does so).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..atomic import atomic_file

N_SCENES = 10  # per video, alternating light (important) and dark
SCENE_SECONDS = (1.5, 2.0, 2.5)
FPS = 30
WIDTH, HEIGHT = 160, 120
ANNOTATORS = ("annotator_a", "annotator_b", "annotator_c")


def scene_plan(rng: np.random.Generator) -> list[float]:
    """Scene lengths in seconds, drawn alike for both kinds: the knapsack alone cannot tell light from dark."""
    return [float(length) for length in rng.choice(SCENE_SECONDS, size=N_SCENES)]


def make_videos(folder: Path, names: list[str], seed: int) -> dict[str, object]:
    """Write one SYNTHETIC video per name (scenes of :func:`scene_plan`); return ``{name: SyntheticVideo}``."""
    from ..video import make_synthetic_video

    rng = np.random.default_rng(seed)
    return {
        name: make_synthetic_video(
            folder / f"{name}.mp4",
            scene_seconds=scene_plan(rng),
            width=WIDTH,
            height=HEIGHT,
            fps=FPS,
            seed=seed * 1000 + i,
        )
        for i, name in enumerate(names)
    }


def light_scenes(video) -> list[tuple[float, float]]:
    """``(start, end)`` seconds of the light scenes (even positions) of a synthetic video."""
    bounds = [start / float(video.fps) for start in video.scene_starts] + [video.duration]
    return [(bounds[i], bounds[i + 1]) for i in range(0, len(bounds) - 1, 2)]


def annotation_rows(name: str, video, rng: np.random.Generator) -> list[str]:
    """Three made-up annotators who keep the light scenes, each in their own (imperfect) way."""
    rows = []
    scenes = light_scenes(video)
    for annotator in ANNOTATORS:
        dropped = int(rng.integers(len(scenes))) if annotator == "annotator_c" else None  # c misses one light scene
        for index, (start, end) in enumerate(scenes):
            if index == dropped:
                continue
            if annotator == "annotator_b":  # b reacts late and stops early
                start, end = start + 0.3, end - 0.2
            rows.append(f"{name},{annotator},{start:.3f},{end:.3f}")
    return rows


def write_annotations(path: Path, videos: dict, seed: int) -> Path:
    """The ``intervals`` annotation CSV of ``videos`` (``{name: SyntheticVideo}``), written atomically."""
    rng = np.random.default_rng(seed)
    lines = ["video,user,start_seconds,end_seconds"] + [
        row for name, video in videos.items() for row in annotation_rows(name, video, rng)
    ]
    with atomic_file(path) as temporary:
        temporary.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
