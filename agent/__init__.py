"""Polya: metacognitive problem solving with language models."""

__version__ = "0.1.0"
