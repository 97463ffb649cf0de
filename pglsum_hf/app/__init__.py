"""``pglsum app``: a web page (Gradio) that summarizes a video with the same code as ``pglsum summarize``.

One module per job:

- :mod:`.loading` -- the :class:`~pglsum_hf.video.VideoSummarizer` the page runs (an untrained, SYNTHETIC model
  when no ``--model`` is given) and the notes the page shows about it.
- :mod:`.job` -- one summarization request: checks the upload and the budget, runs the summarizer, returns
  the files and the table of segments. No Gradio in it.
- :mod:`.examples` -- SYNTHETIC example videos, written once into a cache folder.
- :mod:`.page` -- the Gradio Blocks page and its launch (the only module that imports gradio).
- :mod:`.space` -- ``--export_space DIR``: a Hugging Face Space folder running this page.
- :mod:`.address` -- checks the host and port before anything is loaded.

The ``pglsum app`` command (options, ``--push_to_hub``) is :mod:`pglsum_hf.commands.app`.

Python::

    from pglsum_hf.app import build_demo

    demo = build_demo(model="path/or/hub-id", feature_weights="googlenet-1378be20.pth")
    demo.launch()
"""

from __future__ import annotations


def build_demo(*args, **kwargs):
    """Build the page; see :func:`pglsum_hf.app.page.build_demo` (imported here lazily: it needs gradio)."""
    from .page import build_demo as build

    return build(*args, **kwargs)


__all__ = ["build_demo"]
