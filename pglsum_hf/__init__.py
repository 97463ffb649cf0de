"""pglsum-hf: PGL-SUM video summarization as a first-class citizen of the Hugging Face ecosystem.

Importing the package registers ``pglsum`` with ``AutoConfig`` / ``AutoModel`` and the ``video-summarization``
task with transformers' pipeline registry. The import itself is light: the public names below are imported on
first use, and each registration runs when transformers loads the registry it extends (see
:mod:`pglsum_hf.registration`), so ``pglsum --help`` and the data commands never import torch or transformers.
"""

from .lazy import lazy_exports
from .registration import install as _install_registration
from .version import __version__ as __version__  # `pglsum_hf.__version__`, also read by the CLI

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "PGLSumConfig": ".configuration_pglsum",
        "PGLSumModel": ".modeling_pglsum",
        "PGLSumOutput": ".modeling_pglsum",
        "METRIC_PATH": ".metrics",
        "compute_metrics": ".metrics",
        "generate_summary": ".metrics",
    },
)
__all__ = ["METRIC_PATH", "PGLSumConfig", "PGLSumModel", "PGLSumOutput", "compute_metrics", "generate_summary"]

_install_registration()
