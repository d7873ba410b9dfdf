"""Interpretability helpers for stage 06: a hooked GPT forward pass and models to study."""
