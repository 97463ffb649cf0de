"""Evaluating a PGL-SUM model with the benchmarks' protocol (:mod:`pglsum_hf.metrics`).

- :mod:`.on_split`: a model on the test videos of one split, as the original inference script scores it.
- :mod:`.baselines`: what uniformly random scores get under the same protocol, the reference point for a figure.
- :mod:`.paper_tables`: the figures the PGL-SUM paper reports (Tables III and IV), the other reference point.
"""
