"""A small, fast, readable GPT in NumPy: the reference implementation of stage 04.

Later notebooks import the pieces an earlier notebook had the learner build
(data, layers, the model, the optimiser), and the benchmark trains this code.
The checks never use it as an oracle: their expected values come from
independent loops, finite differences and mathematical properties
(autograder/checks/transformer/).

Modules: data (tasks, tokenizer, batches), layers (forward and backward of each
layer), model (GPTConfig, GPT), optim (AdamW), train (the loop and accuracy),
pretrained (the shipped trained model), threads (OpenBLAS threads), grokking
(the optional modular-addition experiment). Design notes: docs/transformer.md.
"""

from .data import VOCAB, decode, encode, make_batch
from .model import GPT, GPTConfig
from .optim import AdamW

__all__ = ["GPT", "VOCAB", "AdamW", "GPTConfig", "decode", "encode", "make_batch"]
