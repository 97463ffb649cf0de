"""The metric's Hugging Face Space: paste predictions and references as JSON, get the metric's result.

A Space runs this file (``app_file: app.py`` in the card); ``evaluate.load("ORG/video_summarization")`` reads only
``video_summarization.py`` and the modules it imports. The page loads the script beside this file by its file name
(a Space's folder has another name) without resolving links (a download cache links each file to a blob), so it
computes exactly what the Space serves.
"""

from __future__ import annotations

import json
from pathlib import Path

import evaluate
import gradio as gr

metric = evaluate.load(str(Path(__file__).absolute().with_name("video_summarization.py")))

# The metric card's example: two users, four shots, 100 frames sampled every 10th frame (F = 66.67 with max).
EXAMPLE_PREDICTIONS = [[0.9, 0.8, 0.9, 0.1, 0.2, 0.3, 0.2, 0.1, 0.1, 0.1]]
EXAMPLE_REFERENCES = [
    {
        "user_summary": [[1] * 20 + [0] * 80, [0] * 50 + [1] * 15 + [0] * 35],
        "change_points": [[0, 9], [10, 24], [25, 59], [60, 99]],
        "picks": list(range(0, 100, 10)),
        "n_frames": 100,
    }
]


def compute(predictions: str, references: str, eval_method: str, proportion: float) -> dict:
    """The metric's result, or a ``gr.Error`` with the metric's one-line message (the page shows it)."""
    try:
        predictions_value, references_value = json.loads(predictions), json.loads(references)
    except json.JSONDecodeError as error:
        raise gr.Error(f"not valid JSON: {error}", print_exception=False) from None
    try:
        return metric.compute(
            predictions=predictions_value,
            references=references_value,
            eval_method=None if eval_method == "default" else eval_method,
            proportion=proportion,
        )
    except (ValueError, TypeError, KeyError) as error:
        raise gr.Error(str(error), print_exception=False) from None


demo = gr.Interface(
    fn=compute,
    inputs=[
        gr.Code(json.dumps(EXAMPLE_PREDICTIONS), language="json", label="predictions: per video, the scores"),
        gr.Code(json.dumps(EXAMPLE_REFERENCES), language="json", label="references: per video, a dict"),
        gr.Radio(["default", "max", "avg"], value="max", label="eval_method (max: SumMe, avg: TVSum)"),
        gr.Slider(0.01, 1.0, value=0.15, step=0.01, label="proportion (summary budget)"),
    ],
    outputs=gr.JSON(label="result"),
    title="Metric: video_summarization",
    description=metric.info.description,
    article=metric.info.inputs_description,
    flagging_mode="never",
)

if __name__ == "__main__":
    demo.launch()
