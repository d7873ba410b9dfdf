"""Checks for stage 07 (reinforcement learning and RLHF), one module per notebook.

Oracles are explicit loops over states, actions and time steps, closed forms
(a bandit's expected regret, a gridworld's exact values) or properties (a
policy gradient agrees with finite differences of the expected return).
"""
