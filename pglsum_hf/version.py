"""The package's version, in a module of its own: the CLI and the libraries read it without importing the package's
``__init__`` (which registers PGL-SUM with transformers)."""

__version__ = "0.1.0"
