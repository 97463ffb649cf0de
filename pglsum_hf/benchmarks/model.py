"""Seconds per SumMe-sized batch: one padded batched forward(+backward) vs the original one-video-at-a-time loop.

    pglsum benchmark model --output benchmark_model.json [--repeats 5] [--warmup 1] [--devices cpu cuda]

The batch is 20 videos with the lengths of the real SumMe videos ``video_1`` .. ``video_20`` as the model sees them
(``ceil(n_frames / 15)``: 64 .. 649 frames), random features, the default (paper) configuration in training mode.
*train* times forward + backward (batched: ``video_losses.sum().backward()``; loop: every video's
``loss.backward()``, the original recipe's gradient accumulation); *inference* times an evaluation forward. Each
figure is the median over ``--repeats`` runs after ``--warmup`` untimed ones, as wall-clock seconds and as this
process's CPU seconds (the latter is less disturbed by other programs on a shared machine). It runs on the CPU, and
on CUDA too when available (float32 and bf16 autocast). Figures are printed and saved as JSON; nothing is asserted.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm.auto import tqdm

from ..atomic import write_json
from ..data.constants import FRAME_STRIDE, SUMME_N_FRAMES

if TYPE_CHECKING:
    import torch

BATCH_VIDEOS = 20


def summe_lengths(count: int = BATCH_VIDEOS) -> list[int]:
    """Model-side lengths (one feature per ``FRAME_STRIDE`` frames) of the first ``count`` SumMe videos."""
    return [math.ceil(n_frames / FRAME_STRIDE) for n_frames in SUMME_N_FRAMES[:count]]


def _synchronize(device: torch.device) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _measure(step: Callable[[], None], device: torch.device, repeats: int, warmup: int) -> dict[str, float]:
    for _ in range(warmup):
        step()
    walls, cpus = [], []
    for _ in range(repeats):
        _synchronize(device)
        wall, cpu = time.perf_counter(), time.process_time()
        step()
        _synchronize(device)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return {
        "wall_s_median": statistics.median(walls),
        "wall_s_min": min(walls),
        "cpu_s_median": statistics.median(cpus),
        "runs": repeats,
    }


def benchmark_device(device: torch.device, precision: str, repeats: int, warmup: int, seed: int) -> dict[str, Any]:
    """Times of batched vs per-video train steps and inference on ``device`` (``precision`` fp32 or bf16)."""
    import torch

    from ..configuration_pglsum import PGLSumConfig
    from ..modeling_pglsum import PGLSumModel

    torch.manual_seed(seed)
    lengths = summe_lengths()
    padded = max(lengths)
    model = PGLSumModel(PGLSumConfig()).to(device)
    features = torch.rand(len(lengths), padded, model.config.input_size, device=device)
    labels = torch.rand(len(lengths), padded, device=device)
    mask = (torch.arange(padded, device=device)[None] < torch.tensor(lengths, device=device)[:, None]).long()

    def autocast():
        return torch.autocast(device.type, dtype=torch.bfloat16, enabled=precision == "bf16")

    def batched_train() -> None:
        model.zero_grad(set_to_none=True)
        with autocast():
            output = model(features, attention_mask=mask, labels=labels)
        output.video_losses.sum().backward()

    def loop_train() -> None:
        model.zero_grad(set_to_none=True)
        for video, length in enumerate(lengths):
            with autocast():
                output = model(features[video, :length], labels=labels[video, :length])
            output.loss.backward()

    @torch.no_grad()
    def batched_inference() -> None:
        with autocast():
            model(features, attention_mask=mask)

    @torch.no_grad()
    def loop_inference() -> None:
        with autocast():
            for video, length in enumerate(lengths):
                model(features[video, :length])

    results: dict[str, Any] = {"device": str(device), "precision": precision}
    for name, step, training in (
        ("train_batched", batched_train, True),
        ("train_loop", loop_train, True),
        ("inference_batched", batched_inference, False),
        ("inference_loop", loop_inference, False),
    ):
        model.train(training)
        results[name] = _measure(step, device, repeats, warmup)
    for kind in ("train", "inference"):
        loop, batched = results[f"{kind}_loop"]["wall_s_median"], results[f"{kind}_batched"]["wall_s_median"]
        results[f"{kind}_speedup"] = loop / batched
    return results


def _describe(device: torch.device) -> str:
    import torch

    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pglsum benchmark model",
        description="Forward+backward seconds per SumMe-sized batch (20 videos): batched vs one video at a time.",
    )
    parser.add_argument("--output", type=Path, default=Path("benchmark_model.json"), help="JSON file to write")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per figure (median reported)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs first")
    parser.add_argument(
        "--devices", nargs="+", default=None, help="devices to time (default: cpu, and cuda when available)"
    )
    parser.add_argument("--threads", type=int, default=None, help="CPU threads for torch (default: torch's choice)")
    parser.add_argument("--seed", type=int, default=0)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    import torch  # after parsing: --help stays light

    if args.threads:
        torch.set_num_threads(args.threads)
    devices = args.devices or (["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"])
    runs = [(torch.device(name), precision) for name in devices for precision in ("fp32", "bf16") if name != "cpu" or precision == "fp32"]
    lengths = summe_lengths()
    payload: dict[str, Any] = {
        "benchmark": "model forward+backward per SumMe-sized batch",
        "videos": len(lengths),
        "lengths": lengths,
        "real_frames": sum(lengths),
        "padded_frames": len(lengths) * max(lengths),
        "config": "PGLSumConfig() defaults (paper settings), training mode for train_*, eval for inference_*",
        "torch": torch.__version__,
        "cpu_count": os.cpu_count(),
        "results": [],
    }
    for device, precision in tqdm(runs, desc="benchmark model", unit="configuration"):
        result = benchmark_device(device, precision, args.repeats, args.warmup, args.seed)
        result["hardware"] = _describe(device)
        payload["results"].append(result)
    write_json(args.output, payload)

    print(f"PGL-SUM, {len(lengths)} SumMe-length videos ({min(lengths)}..{max(lengths)} frames, {sum(lengths)} in all)")
    print(f"{'device':<28} {'precision':<9} {'step':<10} {'batched s':>10} {'loop s':>10} {'speed-up':>9}")
    for result in payload["results"]:
        for kind in ("train", "inference"):
            print(
                f"{result['device'] + ' (' + result['hardware'] + ')':<28.28} {result['precision']:<9} {kind:<10} "
                f"{result[kind + '_batched']['wall_s_median']:>10.3f} {result[kind + '_loop']['wall_s_median']:>10.3f} "
                f"{result[kind + '_speedup']:>8.2f}x"
            )
    print(f"saved {args.output}")
    return 0
