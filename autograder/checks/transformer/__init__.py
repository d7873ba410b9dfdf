"""Checks for stage 04 (a transformer from scratch), one module per notebook.

    tokens      01_tokens_and_tasks        embeddings  02_embeddings_and_loss
    attention   03_attention               block       04_the_block
    backward    05_backward                training    06_training
    sampling    07_sampling                inside      08_looking_inside

Oracles live in `oracles` (slow, explicit loops over batch, heads and
positions, written for obviousness, not speed) or are finite differences
(autograder.gradcheck) and mathematical properties. None of them calls the
reference implementation in autograder.gpt: a bug there cannot hide a bug in a
learner's code.
"""
