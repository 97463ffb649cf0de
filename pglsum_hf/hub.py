"""The Hugging Face Hub side of pglsum-hf: uploads of models and datasets.

- `push_model_folder`: upload a model folder's model files and card (``train``, ``convert-checkpoint``), keeping
  a card already on the Hub unless asked; the card itself is built by :mod:`pglsum_hf.model_card`.
- `push_dataset_folder`: upload a dataset folder (``convert``, ``make-dataset``) as a dataset repository.
- `upload_folder`: the one upload path for models and datasets, honouring ``token``, ``private``, ``revision`` and
  ``create_pr``.

Only commands upload, so only ``pglsum_hf.commands`` imports this module. Loading a model from a folder or a Hub
id is :mod:`pglsum_hf.model_loading`. huggingface_hub is imported inside the functions that need it.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from .model_folder import model_files

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------------------------------------------------
# Uploads
# ---------------------------------------------------------------------------------------------------------------


def upload_folder(
    folder: str | os.PathLike,
    repo_id: str,
    *,
    repo_type: str = "model",
    token: bool | str | None = None,
    private: bool | None = None,
    commit_message: str | None = None,
    commit_description: str | None = None,
    revision: str | None = None,
    create_pr: bool = False,
    allow_patterns: list[str] | None = None,
    ignore_patterns: list[str] | None = None,
) -> Any:
    """Create ``repo_id`` if needed (``private`` applies then) and upload ``folder`` to it; return the ``CommitInfo``.

    ``revision`` names a branch (created if missing unless ``create_pr``); hidden files (``.*``) are never sent.
    """
    from huggingface_hub import HfApi

    api = HfApi(token=token)
    repo_id = api.create_repo(repo_id, repo_type=repo_type, private=private, exist_ok=True).repo_id
    if revision is not None and not create_pr:
        api.create_branch(repo_id, repo_type=repo_type, branch=revision, exist_ok=True)
    kind = "dataset" if repo_type == "dataset" else "PGL-SUM model"
    return api.upload_folder(
        repo_id=repo_id,
        repo_type=repo_type,
        folder_path=str(folder),
        commit_message=commit_message or f"Upload {kind} with pglsum-hf",
        commit_description=commit_description,
        revision=revision,
        create_pr=create_pr,
        allow_patterns=allow_patterns,
        ignore_patterns=[".*", *(ignore_patterns or [])],
    )


def keeps_hub_card(
    repo_id: str, *, overwrite_card: bool, token: bool | str | None = None, revision: str | None = None
) -> bool:
    """Whether an upload to ``repo_id`` must leave its README.md alone: one is already there (someone may have
    edited it on the Hub) and ``overwrite_card`` is not set. One warning line says when it is kept."""
    if overwrite_card:
        return False
    from huggingface_hub import HfApi

    if not HfApi(token=token).file_exists(repo_id, "README.md", revision=revision):
        return False
    logger.warning("%s already has a README.md: kept it (overwrite_card=True / --overwrite_card replaces it)", repo_id)
    return True


def push_model_folder(
    folder: str | os.PathLike,
    repo_id: str,
    *,
    overwrite_card: bool = False,
    token: bool | str | None = None,
    private: bool | None = None,
    commit_message: str | None = None,
    revision: str | None = None,
    create_pr: bool = False,
) -> Any:
    """Upload the model in ``folder`` (its `model_files` only) to the model repository ``repo_id``.

    Checkpoints, logs, run markers and anything else in the folder stay local. A README.md already in the
    repository is kept unless ``overwrite_card`` (someone may have edited it on the Hub); one warning line says so.
    Returns the ``CommitInfo``.
    """
    names = model_files(folder)
    if "README.md" in names and keeps_hub_card(repo_id, overwrite_card=overwrite_card, token=token, revision=revision):
        names.remove("README.md")
    return upload_folder(
        folder,
        repo_id,
        token=token,
        private=private,
        commit_message=commit_message,
        revision=revision,
        create_pr=create_pr,
        allow_patterns=names,
    )


def push_dataset_folder(
    folder: str | os.PathLike, repo_id: str, *, private: bool | None = None, token: bool | str | None = None
) -> str:
    """Upload a dataset folder as the dataset repository ``repo_id`` (created if needed); return the commit URL."""
    info = upload_folder(folder, repo_id, repo_type="dataset", private=private, token=token,
                         commit_message="Upload dataset converted by pglsum-hf")  # fmt: skip
    logger.info("pushed %s to the dataset repository %s", folder, repo_id)
    return str(info.commit_url)
