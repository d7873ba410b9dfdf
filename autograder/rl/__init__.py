"""Reinforcement-learning helpers for stage 07: small environments, rollouts, the gold reward."""
