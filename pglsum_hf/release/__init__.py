"""The authors' release of PGL-SUM: their checkpoints read and converted, their release zip and the cards.

- :mod:`.original_checkpoint`: one original ``.pt`` state dict read safely, checked and mapped to `PGLSumModel`.
- :mod:`.archive`: the whole release (``pretrained_models.zip`` or its folder), every checkpoint read and checked.
- :mod:`.conversion`: the release scored on the data and written as Hub-ready folders with their cards.
- :mod:`.card`: the cards of converted checkpoints and of the release's table/dataset folders.

The paper's tables they belong to are :mod:`pglsum_hf.evaluation.paper_tables`. This is a library: the command
``pglsum convert-checkpoint`` (:mod:`pglsum_hf.commands.convert_checkpoint`) parses, checks, prints and uploads.
"""
