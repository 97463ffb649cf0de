"""Keyshot evaluation of video summaries (SumMe / TVSum protocol), rank correlation and diversity.

The ``evaluate`` interface of the protocol: ``evaluate.load(<folder of this file>)``, or a metric Space on the
Hub. The protocol itself is plain numpy/scipy in the modules next to this file (imported relatively, so
``evaluate`` copies them along); ``pglsum_hf.metrics`` re-exports it for code that needs neither
``datasets`` nor ``evaluate``.

The keyshot protocol (Zhang et al. 2016, as implemented by the PGL-SUM code base) turns 2 fps importance
scores into a binary frame-level summary: scores are spread over the frames, averaged per KTS shot, and a
0/1 knapsack picks shots under a budget of 15% of the video. The summary is compared with each user's
binary summary by F-score. Every step reproduces that code's results exactly (ties included) while running
vectorised.
"""

from __future__ import annotations

from typing import Any

import datasets
import evaluate
import scipy

# Every module of the protocol is imported here by name: evaluate copies only the script's direct relative imports,
# and an import line must not end in a comment (evaluate would read it as a download URL).
from .correlation import rank_correlation
from .diversity import diversity
from .fscore import DATASET_EVAL_METHODS
from .keyshots import SUMMARY_BUDGET, generate_summary
from .protocol import compute_metrics
from .stored_reference import VideoReference
from .validation import REFERENCE_FIELDS, check_per_video

# evaluate checks the libraries a metric script imports before loading it and names a missing one with its
# `pip install` line; the protocol modules' own imports (scipy in correlation.py) it does not check, so they are
# imported here too.
PROTOCOL_LIBRARIES = (scipy,)

__all__ = [
    "REFERENCE_FIELDS",
    "VideoSummarization",
    "compute_metrics",
    "diversity",
    "generate_summary",
    "rank_correlation",
]

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

_FEATURES = datasets.Features(
    {"predictions": datasets.Sequence(datasets.Value("float64")), "references": VideoReference()}
)


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

    def add_batch(self, *, predictions=None, references=None, **kwargs) -> None:
        """``evaluate``'s ``add_batch`` (``compute`` goes through it too), after checking that both hold one entry
        per video: evaluate would take ``len()`` of them first and fail with a bare TypeError."""
        check_per_video(predictions, "predictions")
        check_per_video(references, "references")
        super().add_batch(predictions=predictions, references=references, **kwargs)

    def _compute(
        self,
        predictions: list,
        references: list,
        eval_method: str | None = None,
        proportion: float = SUMMARY_BUDGET,
        dataset: str | None = None,
    ) -> dict[str, Any]:
        if dataset is None and self.config_name in DATASET_EVAL_METHODS:
            dataset = self.config_name
        return compute_metrics(
            predictions, references, eval_method=eval_method, proportion=proportion, dataset=dataset
        )
