"""Research helpers for stage 08: experiment logs, seeds, toy models of superposition."""
