"""The allowed values of PGLSumConfig's string fields, in a module that imports nothing.

``configuration_pglsum`` checks its fields against these, and ``pglsum convert-checkpoint`` offers them as the
choices of ``--fusion`` and ``--pos_enc``: kept apart from the config class so that the command's ``--help``
needs neither transformers nor torch. It travels with saved models as remote code next to
``configuration_pglsum.py`` (``save_pretrained`` copies the files a remote-code module imports relatively), so it
must stay free of imports.
"""

FUSIONS = ("add", "mult", "avg", "max")
POSITIONAL_ENCODINGS = ("absolute", "relative")
INIT_TYPES = ("xavier", "normal", "kaiming", "orthogonal")
