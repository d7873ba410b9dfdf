"""Interpretability helpers for stage 06: a hooked forward pass of the package GPT,
models to study (hooked, attn_only)."""
