"""The ``pglsum`` commands: one module per command, each thin over the libraries of the package.

A command module owns what only a command does: its arguments (a dataclass read by
:func:`pglsum_hf.options.parse_arguments`), the checks of every path, count and size before the work starts,
launching extra processes, progress and report printing, writing the card after saving and uploading to the Hub.
Each exposes ``main(argv: list[str] | None = None) -> int``; ``pglsum_hf.cli`` dispatches to it and the scripts in
``scripts/`` call the same dispatcher, so every way in fails the same way. Libraries never import this package.
"""
