"""The summarizer behind the page, and the SYNTHETIC notes the page must show about it.

Without ``--model`` there is no trained PGL-SUM model to use (none can be downloaded offline, and picking one
silently would hide what the page runs), so the page runs an untrained model -- the default
:class:`~pglsum_hf.PGLSumConfig`, random weights from a fixed seed -- and says SYNTHETIC at the top of the page,
in the plot title and in the JSON (its model name). It shows that the path works, nothing more.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from ..errors import OptionError

UNTRAINED_SEED = 0
UNTRAINED_MODEL_NAME = f"untrained PGL-SUM (SYNTHETIC: random weights, seed {UNTRAINED_SEED})"
UNTRAINED_MODEL_NOTE = (
    "SYNTHETIC: no model was given (`--model`), so this page runs an untrained PGL-SUM model with random weights "
    f"(seed {UNTRAINED_SEED}); its scores and summaries carry no meaning"
)


@dataclass
class LoadedSummarizer:
    """The :class:`~pglsum_hf.video.VideoSummarizer` the page runs, and what the page must say about it.

    Attributes:
        summarizer: the same object ``pglsum summarize`` builds.
        model: the ``--model`` value (None: the untrained SYNTHETIC model).
        notes: SYNTHETIC warnings, one line each (empty for a trained model with ImageNet features).
    """

    summarizer: object
    model: str | None
    notes: list[str] = field(default_factory=list)

    @property
    def synthetic(self) -> bool:
        return bool(self.notes)


def _untrained_model():
    import torch

    from pglsum_hf.configuration_pglsum import PGLSumConfig
    from pglsum_hf.modeling_pglsum import PGLSumModel

    with torch.random.fork_rng(devices=[]):  # seeded without touching the caller's random state
        torch.manual_seed(UNTRAINED_SEED)
        return PGLSumModel(PGLSumConfig())


def load_summarizer(
    model: str | os.PathLike | None = None,
    feature_weights: str | os.PathLike | None = None,
    device: str | None = None,
    subfolder: str | None = None,
) -> LoadedSummarizer:
    """Load the model (local folder or Hub id; None: the untrained SYNTHETIC model) and the GoogLeNet features.

    Raises:
        OptionError: naming ``--model`` or ``--feature_weights`` when either cannot be loaded.
    """
    from pglsum_hf.video import FeatureWeightsError, GoogLeNetFeatures, VideoSummarizer
    from pglsum_hf.video.result import RANDOM_FEATURES_NOTE

    notes = []
    if model is None:
        network, name = _untrained_model(), UNTRAINED_MODEL_NAME
        notes.append(UNTRAINED_MODEL_NOTE)
    else:
        from pglsum_hf.model_loading import load_model

        # The model first: a wrong one (e.g. a repository of split folders) stops before GoogLeNet is built or fetched.
        network = load_model(model, subfolder=subfolder)
        name = f"{model}/{subfolder}" if subfolder else str(model)
    try:
        features = GoogLeNetFeatures(feature_weights, device=device)
    except FeatureWeightsError as error:
        raise OptionError("--feature_weights", str(error)) from error
    network = network.to(features.device)
    if features.is_random:
        notes.append(RANDOM_FEATURES_NOTE)
    try:
        summarizer = VideoSummarizer(network, features, model_name=name)
    except ValueError as error:  # the model's input size does not fit GoogLeNet pool5
        raise OptionError("--model", str(error)) from error
    return LoadedSummarizer(summarizer=summarizer, model=None if model is None else str(model), notes=notes)
