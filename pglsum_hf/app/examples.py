"""The page's example videos: SYNTHETIC scenes with known cuts (:func:`pglsum_hf.video.make_synthetic_video`).

They are written once into a cache folder (atomically, so an interrupted start never leaves a broken example)
and reused by later starts. Real example videos cannot ship with the package; these show the page working
and, with their visible scene cuts, what shot detection does.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

# name -> make_synthetic_video arguments. Uneven scenes, so the knapsack has real choices to make.
EXAMPLE_VIDEOS: dict[str, dict] = {
    "synthetic_six_scenes_with_sound.mp4": {
        "scene_seconds": [4.0, 2.0, 6.0, 3.0, 5.0, 4.0],
        "width": 320,
        "height": 180,
        "fps": 25,
        "audio": True,
        "seed": 3,
    },
    "synthetic_ten_short_scenes.mp4": {
        "scene_seconds": [1.5, 3.0, 1.0, 2.5, 2.0, 1.0, 3.5, 1.5, 2.0, 2.0],
        "width": 320,
        "height": 240,
        "fps": 30,
        "seed": 4,
    },
}


def default_examples_dir() -> Path:
    """``<temp>/pglsum_hf_app_examples``: inside the temporary folder, which Gradio serves files from."""
    return Path(tempfile.gettempdir()) / "pglsum_hf_app_examples"


def ensure_examples(folder: str | os.PathLike | None = None) -> list[Path]:
    """Write the missing example videos into ``folder`` (default :func:`default_examples_dir`); return all paths."""
    from ..video import make_synthetic_video

    folder = Path(folder) if folder is not None else default_examples_dir()
    paths = []
    for name, arguments in EXAMPLE_VIDEOS.items():
        path = folder / name
        if not path.is_file():
            make_synthetic_video(path, **arguments)
        paths.append(path)
    return paths
