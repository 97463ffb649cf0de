"""Card templates (README.md of models and datasets), shipped inside the package as ``pglsum_hf.model_cards``."""
