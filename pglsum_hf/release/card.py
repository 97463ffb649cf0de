"""Model cards of converted original checkpoints: one converted checkpoint, and the authors' release (one card per
table/dataset repository, one per split folder).

The repository card (``pglsum-summe-table4/README.md``) says which table of the paper its models come from and how
they were trained and selected, the paper's figure, each split's test videos and measured F-score (or that none was
measured), the license condition of the weights, how to load a split, and which features the models expect. Its
``model-index`` holds the measured figures only; without an evaluation it holds none.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..cards import PAPER_CITATION
from ..evaluation.paper_tables import DATASET_NAMES, PAPER_F_SCORES, TABLE_RECIPES, TABLE_TITLES
from ..model_card import BASE_TAGS, PIPELINE_TAG, SYNTHETIC_TAG, card_title, model_card

if TYPE_CHECKING:
    from huggingface_hub import EvalResult, ModelCard

    from ..data.origin import DataOrigin
    from ..evaluation.on_split import SplitEvaluation
    from ..modeling_pglsum import PGLSumModel
    from .archive import ReleaseModel

ORIGINAL_LICENSE_NOTE = (
    'These weights were converted from a checkpoint of the original PGL-SUM code (CERTH-ITI), released "for '
    'academic, non-commercial use only": that condition stays with the weights. The conversion code (pglsum-hf) is '
    "MIT-licensed. The weights were trained on SumMe or TVSum, which are distributed for research use."
)
RELEASE_URL = "https://zenodo.org/record/5635735"
TAGS = [*BASE_TAGS, "original-release"]
FEATURES_NOTE = (
    "These models take the GoogLeNet pool5 features (1024-d, 2 frames per second) of the standard 2016 SumMe/TVSum "
    "feature files (the `eccv16_dataset_*_google_pool5.h5` files of Zhang et al., ECCV 2016) that they were trained "
    "on; their F-scores hold for those features only. `pglsum summarize` computes features of your own videos with "
    "torchvision's ImageNet GoogLeNet, which is another network with other weights: applied to such features these "
    "models still give scores, but nothing measured here says how good those summaries are."
)
# The rank correlations a card reports: against each user's scores, where the data has them (TVSum).
CORRELATION_NAMES = {"kendall_tau": "Kendall's tau", "spearman_rho": "Spearman's rho"}


def _eval_results(dataset: str, data: DataOrigin, evaluations: list[SplitEvaluation]) -> list[EvalResult]:
    from huggingface_hub import EvalResult

    results = []
    for evaluation in evaluations:
        common = dict(
            task_type="video-summarization",
            task_name="Video summarization",
            dataset_type=data.hub_id or data.name,
            dataset_name=DATASET_NAMES[dataset] + (" (SYNTHETIC)" if data.synthetic else ""),
            dataset_config=f"split_{evaluation.split_index}",
            dataset_split="test",
        )
        results.append(
            EvalResult(metric_type="f1", metric_value=round(evaluation.f_score, 4),
                       metric_name=f"F-score ({evaluation.eval_method} over users), split_{evaluation.split_index}",
                       **common)
        )  # fmt: skip
        results += [
            EvalResult(metric_type=name, metric_value=round(value, 4), metric_name=CORRELATION_NAMES[name], **common)
            for name, value in evaluation.correlations.items()
            if name in CORRELATION_NAMES
        ]
    return results


def release_card(
    repo_id: str,
    models: list[ReleaseModel],
    evaluations: list[SplitEvaluation] | None = None,
    data: DataOrigin | None = None,
) -> ModelCard:
    """The README.md of one table/dataset folder of the release (``models``: its five splits, in order; ``data``:
    what ``evaluations`` were measured on, whose own marks say whether it is synthetic)."""
    from huggingface_hub import ModelCard, ModelCardData

    table, dataset = models[0].table, models[0].dataset
    name, paper = DATASET_NAMES[dataset], PAPER_F_SCORES[table][dataset]
    synthetic = data is not None and data.synthetic
    title = card_title(repo_id.rsplit("/", 1)[-1], synthetic)
    by_split = {evaluation.split_index: evaluation for evaluation in evaluations or []}
    card_data = ModelCardData(
        model_name=title,
        license="other",
        license_name="pgl-sum-academic-non-commercial",
        library_name="transformers",
        pipeline_tag=PIPELINE_TAG,
        tags=TAGS + ([SYNTHETIC_TAG] if synthetic else []),
        datasets=[data.hub_id] if data is not None and data.hub_id else None,
        eval_results=_eval_results(dataset, data, evaluations) if evaluations and data else None,
    )
    rows = []
    for model in models:
        evaluation = by_split.get(model.split)
        videos = ", ".join(video["video_id"] for video in evaluation.videos) if evaluation else "not given"
        measured = f"{evaluation.f_score:.2f}" if evaluation else "not measured"
        rows.append(f"| `{model.subfolder}` | {videos} | {measured} | `{Path(model.source).name}` |")
    if evaluations:
        mean = sum(evaluation.f_score for evaluation in evaluations) / len(evaluations)
        measured = (
            f"Measured with `pglsum convert-checkpoint --evaluate_on` (the original inference procedure: each split's "
            f"model on its split's test videos of `{data.name if data else ''}`, F-score {evaluations[0].eval_method} over users, mean over "
            f"the test videos): **{mean:.2f}** on average over the {len(evaluations)} splits, against the paper's "
            f"{paper}."
        )
        if synthetic:
            measured += (
                " **The data is SYNTHETIC** (`pglsum make-synthetic`), not SumMe/TVSum features: these figures show "
                "that the pipeline runs and say nothing about the models."
            )
    else:
        measured = (
            "No figure was measured for this card: it was written without `--evaluate_on`, so the table below gives "
            f"no F-score and the metadata holds no results. The paper reports {paper} for these models."
        )
    body = f"""
# {title}: PGL-SUM trained on {name}, the models of the paper's {TABLE_TITLES[table]}

The five split models that the authors of PGL-SUM released for {TABLE_TITLES[table]} on {name} (`pretrained_models.zip`,
{RELEASE_URL}), converted to Hugging Face models with `pglsum convert-checkpoint` (pglsum-hf). The converted
models give the original's scores (checked against a literal reimplementation of the original model).

## How they were trained and selected

{TABLE_RECIPES[table]}. The paper reports an F-score of **{paper}** on {name} for them (mean over 5 splits).

## Splits

{measured}

| folder | test videos | F-score | original file |
|---|---|---|---|
{chr(10).join(rows)}

## Use

Each split is one model in its own folder; load it with `subfolder`:

```python
from transformers import AutoModel

model = AutoModel.from_pretrained("{repo_id}", subfolder="split_0", trust_remote_code=True)
```

```bash
pglsum evaluate --model {repo_id} --split_index all --dataset DATA   # each split on its own test videos
pglsum summarize --model {repo_id} --subfolder split_0 VIDEO.mp4 --output_dir out
```

## Features these models expect

{FEATURES_NOTE}

## License

{ORIGINAL_LICENSE_NOTE}

## Citation

```bibtex
{PAPER_CITATION}
```
"""
    return ModelCard(f"---\n{card_data.to_yaml()}\n---\n{body}")


def checkpoint_card(model: PGLSumModel, name: str | None, source: str | Path) -> ModelCard:
    """The card of one converted checkpoint ``source``: its settings, its origin and the original's license
    condition (``name``: the Hub id it goes to, else the folder name)."""
    config = model.config
    weights = (
        f"Converted with `pglsum convert-checkpoint` from the original PGL-SUM checkpoint `{Path(source).name}` "
        f"(heads={config.num_heads}, n_segments={config.num_segments}, fusion={config.fusion}, "
        f"pos_enc={config.pos_enc}); the converted model gives the original's scores."
    )
    return model_card(model, name, license="other", license_note=ORIGINAL_LICENSE_NOTE, weights=weights)


def split_card(model: ReleaseModel, repo_id: str) -> ModelCard:
    """A split folder's own card: where its weights come from and their license (the figures are one folder up)."""
    table = TABLE_TITLES[model.table]
    weights = (
        f"Split {model.split} model of the authors' release for {table} on {DATASET_NAMES[model.dataset]} "
        f"(`{Path(model.source).name}` of `pretrained_models.zip`, {RELEASE_URL}), converted with `pglsum "
        f"convert-checkpoint`. {TABLE_RECIPES[model.table]}. On the Hub this folder is `{model.subfolder}` of "
        f'`{repo_id}`: `AutoModel.from_pretrained("{repo_id}", subfolder="{model.subfolder}", '
        f"trust_remote_code=True)`. The README.md one folder up gives the measured figures.\n\n{FEATURES_NOTE}"
    )
    return model_card(
        model.model,
        None,
        weights=weights,
        license="other",
        license_note=ORIGINAL_LICENSE_NOTE,
        tags=["original-release"],
    )
