"""The allowed values of PGLSumConfig's string fields, and the weight names the model refuses, in a module that
imports nothing.

``configuration_pglsum`` checks its fields against these, and ``pglsum convert-checkpoint`` offers them as the
choices of ``--fusion`` and ``--pos_enc``: kept apart from the config class so that the command's ``--help``
needs neither transformers nor torch. It travels with saved models as remote code next to
``configuration_pglsum.py`` (``save_pretrained`` copies the files a remote-code module imports relatively), so it
must stay free of imports.
"""

FUSIONS = ("add", "mult", "avg", "max")
POSITIONAL_ENCODINGS = ("absolute", "relative")
INIT_TYPES = ("xavier", "normal", "kaiming", "orthogonal")

# Parameter names of the stacked layout that pglsum-hf used before q/k/v/out became nn.Linear modules. Weights holding
# them are refused, by the model as it loads and by the model folder check before anything loads (`model_loading`).
STACKED_LAYOUT_KEYS = tuple(
    f"attention.{kind}_attention.{name}"
    for kind in ("global", "local")
    for name in ("query", "key", "value", "output")
)


def stacked_layout_problem(keys) -> str | None:
    """What is wrong with weights named ``keys`` when some are in the old stacked layout; None when none is."""
    stacked = sorted(key for key in keys if key.endswith(STACKED_LAYOUT_KEYS))
    if not stacked:
        return None
    return (
        f"weights in the stacked layout of an early pglsum-hf version ({', '.join(stacked)}); this version keeps "
        "q/k/v/out as nn.Linear modules (attention.global_attention.q_proj.weight, ...). Convert the original "
        "checkpoint again with `pglsum convert-checkpoint`, or retrain."
    )
