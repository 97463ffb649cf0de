"""Model and dataset cards (README.md) rendered from the templates in ``model_cards/``.

A card is a YAML metadata header (what the Hub indexes: library, tags, license, model-index, dataset
configs) followed by a Markdown body. The bodies live as templates with ``$name`` placeholders in
``model_cards/`` (shipped inside the package as ``pglsum_hf.model_cards``), so wording can be edited
without touching code.
"""

from __future__ import annotations

from importlib.resources import files
from string import Template
from typing import Any

import yaml

PAPER_CITATION = """@inproceedings{apostolidis2021pglsum,
  title     = {Combining Global and Local Attention with Positional Encoding for Video Summarization},
  author    = {Apostolidis, Evlampios and Balaouras, Georgios and Mezaris, Vasileios and Patras, Ioannis},
  booktitle = {2021 IEEE International Symposium on Multimedia (ISM)},
  pages     = {226--234},
  year      = {2021},
  doi       = {10.1109/ISM52913.2021.00045}
}"""


def load_template(name: str) -> str:
    """Return the text of ``model_cards/<name>``."""
    resource = files("pglsum_hf.model_cards").joinpath(name)
    if not resource.is_file():
        available = sorted(p.name for p in files("pglsum_hf.model_cards").iterdir() if p.name.endswith(".md"))
        raise FileNotFoundError(f"card template {name!r} not found in model_cards/; available: {available}")
    return resource.read_text(encoding="utf-8")


def render_card(template: str, metadata: dict[str, Any], **fields: Any) -> str:
    """Render a card: YAML ``metadata`` header, then ``model_cards/<template>`` with ``$field`` filled in.

    Every placeholder of the template must be given (a missing one raises ``KeyError`` naming it), so a
    card never ships with a literal ``$name`` in it.
    """
    body = Template(load_template(template)).substitute({k: str(v) for k, v in fields.items()})
    header = yaml.safe_dump(metadata, sort_keys=False, allow_unicode=True)
    return f"---\n{header}---\n\n{body.lstrip()}"
