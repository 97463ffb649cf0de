"""Speed benchmarks as library code: each module measures and returns its figures (plain dicts, JSON-ready).

``pglsum benchmark <name>`` (:mod:`pglsum_hf.commands.benchmark`) reads the options, prints the figures and saves
them as JSON. :mod:`.machine` holds what they share about the machine (devices, GEMM rate).
"""
