"""The tables ``pglsum benchmark NAME`` prints: one function per benchmark, reading the figures it will save."""

from __future__ import annotations

import os
from typing import Any

LENGTHS_HEADER = (
    f"{'device':<34} {'precision':<9} {'compiled':<8} {'T':>7} {'seconds':>9} {'peak RSS GB':>12} {'CUDA GB':>8}"
)


def row_line(row: dict) -> str:
    """One length of ``benchmark model``, under :data:`LENGTHS_HEADER`."""
    where = f"{row['device']} ({row.get('hardware', '?')})"
    if "error" in row:
        return f"{where:<34.34} {row['precision']:<9} {row['compiled']!s:<8} {row['length']:>7} {row['error']}"
    cuda = f"{row['peak_cuda_gb']:.2f}" if "peak_cuda_gb" in row else "-"
    return (f"{where:<34.34} {row['precision']:<9} {row['compiled']!s:<8} {row['length']:>7} "
            f"{row['seconds']:>9.2f} {row['peak_rss_gb']:>12.2f} {cuda:>8}")  # fmt: skip


def print_summe_batch(batch: dict[str, Any]) -> None:
    lengths = batch["lengths"]
    print(
        f"PGL-SUM, {len(lengths)} SumMe-length videos ({min(lengths)}..{max(lengths)} frames, {sum(lengths)} in all)"
    )
    print(f"{'device':<28} {'precision':<9} {'step':<10} {'batched s':>10} {'loop s':>10} {'speed-up':>9}")
    for result in batch["results"]:
        for kind in ("train", "inference"):
            print(
                f"{result['device'] + ' (' + result['hardware'] + ')':<28.28} {result['precision']:<9} {kind:<10} "
                f"{result[kind + '_batched']['wall_s_median']:>10.3f} {result[kind + '_loop']['wall_s_median']:>10.3f} "
                f"{result[kind + '_speedup']:>8.2f}x"
            )


def print_metric(knapsack_figures: dict[str, Any], metric_figures: dict[str, Any]) -> None:
    for name, figures in (("knapsack", knapsack_figures), ("full metric", metric_figures),
                          ("F-score only", metric_figures["f_score_only"])):  # fmt: skip
        print(
            f"{name:>12}: literal {figures['literal_seconds'] * 1000:9.1f} ms | vectorised "
            f"{figures['vectorised_seconds'] * 1000:8.2f} ms | speedup {figures['speedup']:6.1f}x"
        )
    print(
        f"evaluate.load(METRIC_PATH).compute {metric_figures['evaluate_module_seconds'] * 1000:.1f} ms vs compute_metrics "
        f"{metric_figures['vectorised_seconds'] * 1000:.1f} ms ({metric_figures['evaluate_module_over_direct']:.2f}x)"
    )


def print_training_rows(rows: list[dict[str, Any]], profile: str, device: str, precision: str) -> None:
    """Both modes of one profile on one device and precision, then the speed-up of batching."""
    for row in rows:
        print(
            f"{profile:6s} {row['device']:7s} {precision:4s} {row['mode']:9s} "
            f"{row['seconds_per_epoch']:8.3f} s/epoch, {row['fraction_of_gemm_limit']:6.1%} of the fp32 GEMM limit "
            f"({row['model_gflops_per_epoch']:.0f} GFLOP/epoch at {row['gemm_gflops_per_second']:.0f} GFLOP/s; "
            f"{row['train_videos']} videos, batch_size {row['batch_size']})",
            flush=True,
        )
    seconds = {row["mode"]: row["seconds_per_epoch"] for row in rows}
    speed_up = seconds["per_video"] / seconds["batched"]
    print(f"{profile:6s} {device:7s} {precision:4s} speed-up batched vs per_video: {speed_up:.2f}x", flush=True)


def print_long(results: dict[str, Any], modes: dict[str, int | None]) -> None:
    """``benchmark video --long``: each run's parts and peak memory, then each scoring's time ratio."""
    steps, target = list(results["runs"]["exact"]), results["target_ratio"]
    print(f"\n  {'scoring':<15} {'steps':>7} {'shots':>7} {'KTS':>9} {'scores':>9} {'total':>9} {'peak RSS':>9}")
    for mode, runs in results["runs"].items():
        label = mode if modes[mode] is None else f"{mode} {modes[mode]}"
        for run in runs.values():
            if "failed" in run:
                print(f"  {label:<15} {run['steps']:>7} failed: {run['failed']}")
                continue
            seconds = run["seconds"]
            print(
                f"  {label:<15} {run['steps']:>7} {run['shots']:>7} {seconds['shots']:8.2f}s {seconds['scores']:8.2f}s "
                f"{seconds['total']:8.2f}s {run['peak_rss_gb']:7.2f} GB"
            )
    print()
    for mode, ratios in results["time_ratio"].items():
        if ratios is None:
            print(f"{mode}: no ratio (a run failed)")
            continue
        verdict = "meets" if ratios["total"] <= target else "misses"
        peak = max(run["peak_rss_gb"] for run in results["runs"][mode].values())
        # Global attention over all T steps costs T^2 operations whatever its memory, so the parts are shown apart.
        print(
            f"{mode}: time({steps[1]}) / time({steps[0]}) = {ratios['total']:.2f} ({verdict} the "
            f"<= {target:g} target; shots {ratios['shots']:.2f}, scores {ratios['scores']:.2f}), "
            f"peak RSS {peak:.2f} GB"
        )


def print_video(runs: dict[str, Any], seconds: float, kts: dict[str, float], load: dict[str, float]) -> None:
    """``benchmark video``: each device's stages, GoogLeNet's FLOP rate and the total; KTS; the machine's load."""
    from ..benchmarks.video import TARGET_FRACTION

    for device, run in runs.items():
        print(f"\n{device}: {run['n_frames']} frames, {run['sampled_frames']} sampled, {run['shots']} shots")
        print(f"  {'stage':<32} {'wall':>8}   {'cpu':>8}")
        for name, value in run["seconds"].items():
            print(f"  {name:<32} {value:8.2f} s {run['cpu_seconds'][name]:8.2f} s")
            if name == "decode + features":
                for part, part_seconds in run["decode_features_split"].items():
                    print(f"    of which {part:<23} {part_seconds:8.2f} s")
        flop = run["googlenet_flop_rate"]
        print(
            f"  GoogLeNet: {flop['gflop_per_frame']:.2f} GFLOP/frame, {flop['achieved_gflops']:.1f} GFLOP/s = "
            f"{flop['fraction']:.0%} of the {flop['gemm_gflops']:.1f} GFLOP/s float32 GEMM rate measured now"
        )
        verdict = "meets" if run["fraction_of_duration"] <= TARGET_FRACTION else "misses"
        print(
            f"  {'total':<32} {run['total_seconds']:8.2f} s = {run['fraction_of_duration']:.3f} of the video's "
            f"{seconds:.0f} s ({verdict} the {TARGET_FRACTION} target)"
        )
    print("\nKTS on 1200 sampled frames (a 10-minute video at 2 fps):")
    for name, value in kts.items():
        print(f"  {name:<32} {value:8.2f} s")
    print(
        f"\nload average (1 min) before / after: {load['before']:.1f} / {load['after']:.1f} on {os.cpu_count()} CPUs"
    )
