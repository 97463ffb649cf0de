"""The Gradio page: upload or pick a video, choose the budget, Summarize; watch the summary, plot and segments.

This is the only module that imports gradio. The work itself is :func:`pglsum_hf.app.job.run_job`; here it is
wired to the page: one job at a time through Gradio's queue, a progress bar fed by the summarizer's own tqdm
bars, and every refused request or failed video raised as ``gr.Error`` with its one-line message: the page shows
it, and an API caller (``gradio_client``) gets an exception, never a result that looks like success.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
from pathlib import Path

from ..errors import MissingDependencyError
from ..metrics import SUMMARY_BUDGET
from .job import (
    BUDGET_MODES,
    BUDGET_PROPORTION,
    BUDGET_SECONDS,
    DEFAULT_MAX_MINUTES,
    SEGMENT_HEADERS,
    JobError,
    run_job,
)

logger = logging.getLogger(__name__)

GRADIO_REQUIREMENT = "gradio>=6"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
DEFAULT_MAX_SECONDS = 30.0


def require_gradio():
    """Import gradio (6 or later), or fail with one line naming the ``[app]`` extra."""
    try:
        import gradio
    except ImportError as error:
        raise MissingDependencyError(
            f"the web page needs gradio, which is not installed: pip install 'pglsum-hf[app]' (or '{GRADIO_REQUIREMENT}')"
        ) from error
    major = int(gradio.__version__.split(".")[0])
    if major < 6:
        raise MissingDependencyError(
            f"the web page needs {GRADIO_REQUIREMENT}, found gradio {gradio.__version__}: pip install -U 'pglsum-hf[app]'"
        )
    return gradio


def _model_line(loaded, max_minutes: float) -> str:
    summarizer = loaded.summarizer
    model = summarizer.model_name
    if loaded.model is not None and not Path(loaded.model).exists():
        model = f"[{model}](https://huggingface.co/{model})"  # a Hub id: link the model card
    return (
        f"Model: **{model}** · frame features: GoogLeNet pool5, {summarizer.feature_extractor.weights_description} · "
        f"videos up to {max_minutes:g} minutes"
    )


def _empty_table():
    import pandas as pd

    return pd.DataFrame([], columns=SEGMENT_HEADERS)


def build_demo(
    model: str | os.PathLike | None = None,
    feature_weights: str | os.PathLike | None = None,
    device: str | None = None,
    max_minutes: float = DEFAULT_MAX_MINUTES,
    examples_dir: str | os.PathLike | None = None,
    work_dir: str | os.PathLike | None = None,
    concurrency_limit: int = 1,
    loaded=None,
):
    """The page as a :class:`gradio.Blocks`, queue configured; ``demo.launch()`` serves it.

    Args:
        model: PGL-SUM model, local folder or Hub id; None runs an untrained model and the page says SYNTHETIC.
        feature_weights: GoogLeNet weights as for ``pglsum summarize`` (None, a local file, or ``"random"``).
        device: torch device (default: CUDA when available).
        max_minutes: longest video accepted.
        examples_dir: where the SYNTHETIC example videos are cached (default: in the temporary folder).
        work_dir: where each job writes its summary (default: a new temporary folder).
        concurrency_limit: jobs running at once (1: one at a time; the others wait in the queue).
        loaded: an already loaded :class:`~pglsum_hf.app.loading.LoadedSummarizer` (then ``model``,
            ``feature_weights`` and ``device`` are ignored).
    """
    gr = require_gradio()
    import pandas as pd

    from .examples import ensure_examples
    from .loading import load_summarizer

    if loaded is None:
        loaded = load_summarizer(model, feature_weights, device)
    if work_dir is None:  # our own scratch folder: Gradio keeps copies of what it served, so it goes at exit
        work_dir = Path(tempfile.mkdtemp(prefix="pglsum_hf_app_"))
        atexit.register(shutil.rmtree, work_dir, ignore_errors=True)
    work_dir = Path(work_dir)
    examples = ensure_examples(examples_dir)

    # Gradio finds the progress tracker by this default argument; track_tqdm shows the summarizer's own bars.
    def summarize(video, budget_mode, budget, max_seconds, progress=gr.Progress(track_tqdm=True)):  # noqa: B008
        progress(0, desc="checking the video")
        try:
            result = run_job(
                loaded.summarizer, video, budget_mode, budget, max_seconds, work_dir, max_minutes=max_minutes,
                uploads_in=[video_input.GRADIO_CACHE, *examples],
            )  # fmt: skip
        except JobError as error:
            raise gr.Error(f"Could not summarize. {error}", duration=None, print_exception=False) from None
        except Exception as error:  # a bug: the traceback goes to the server log, the page gets one line
            logger.exception("summarizing %s failed", video)
            raise gr.Error(
                f"Could not summarize: internal error ({type(error).__name__}); the server log has the details.",
                duration=None,  # stays until closed, as the message of a refused video does
                print_exception=False,
            ) from None
        message = result.message
        if loaded.synthetic:
            message += " SYNTHETIC: see the note at the top of the page."
        downloads = [str(result.files["json"]), str(result.files["video"])]
        table = pd.DataFrame(result.rows, columns=SEGMENT_HEADERS)
        return message, str(result.files["video"]), str(result.files["plot"]), table, downloads

    def show_budget(mode):
        return gr.Slider(visible=mode == BUDGET_PROPORTION), gr.Number(visible=mode == BUDGET_SECONDS)

    with gr.Blocks(title="PGL-SUM video summarization", analytics_enabled=False) as demo:
        gr.Markdown(
            "# Summarize a video with PGL-SUM\n"
            "Upload a video (or pick an example), choose how long the summary may be, and press **Summarize**. "
            "PGL-SUM scores every half second of the video, the video is cut into shots, and the most important "
            "shots that fit the budget make the summary. The same code as `pglsum summarize`.\n\n"
            + _model_line(loaded, max_minutes)
        )
        if loaded.synthetic:
            gr.Markdown("\n\n".join(f"⚠️ **{note}**" for note in loaded.notes), elem_id="synthetic_notice")
        with gr.Row():
            with gr.Column(scale=1):
                video_input = gr.Video(label="Video", sources=["upload"], elem_id="input_video")
                budget_mode = gr.Radio(
                    list(BUDGET_MODES), value=BUDGET_PROPORTION, label="Budget", elem_id="budget_mode"
                )
                budget = gr.Slider(
                    0.01,
                    1.0,
                    value=SUMMARY_BUDGET,
                    step=0.01,
                    label="Summary length (proportion of the video)",
                    elem_id="proportion",
                )
                max_seconds = gr.Number(
                    value=DEFAULT_MAX_SECONDS,
                    minimum=0,
                    label="Summary length (maximum seconds)",
                    visible=False,
                    elem_id="max_seconds",
                )
                button = gr.Button("Summarize", variant="primary", elem_id="summarize")
                gr.Examples(
                    [[str(path)] for path in examples],
                    inputs=[video_input],
                    label="SYNTHETIC example videos (known scene cuts)",
                )
            with gr.Column(scale=2):
                status = gr.Markdown(label="Result", elem_id="status")
                summary_video = gr.Video(label="Summary video", interactive=False, height=360, elem_id="summary_video")
                plot = gr.Image(
                    label="Importance scores and selected shots",
                    show_label=False,
                    type="filepath",
                    interactive=False,
                    elem_id="plot",
                )
                table = gr.Dataframe(
                    value=_empty_table(), label="Selected segments", interactive=False, elem_id="segments"
                )
                downloads = gr.File(
                    label="Downloads: JSON and summary video",
                    file_count="multiple",
                    interactive=False,
                    elem_id="downloads",
                )
        budget_mode.change(show_budget, budget_mode, [budget, max_seconds], queue=False)
        button.click(
            summarize,
            [video_input, budget_mode, budget, max_seconds],
            [status, summary_video, plot, table, downloads],
            concurrency_limit=concurrency_limit,
        )
    demo.queue(default_concurrency_limit=concurrency_limit)
    return demo


def serve(demo, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, allowed_paths: list[str] | None = None) -> None:
    """Serve the page until interrupted (errors are shown on the page, tracebacks never)."""
    demo.launch(server_name=host, server_port=port, show_error=False, allowed_paths=allowed_paths or None, quiet=False)
