"""Training throughput of the NumPy GPT (autograder.gpt), against PyTorch when it is installed.

    python3 manage.py run python benchmarks/transformer.py [--steps 10] [--rounds 10] [--threads N]

Trains the reference configuration (vocab 32, context 32, d_model 128, 4 heads,
2 layers, MLP 4x, batch 64, float32, AdamW) on random tokens and prints:

- tokens per second (batch x context per step / seconds per step);
- how a step's time splits between matrix products (every call of
  autograder.gpt.layers.matmul, timed) and everything else (element-wise work,
  reductions, indexing, Python overhead);
- the fraction of this machine's GEMM peak the step reaches: the model's
  matrix-product FLOPs per second over the rate of one large float32 GEMM
  (2048 x 2048 x 2048) measured in the same run;
- if PyTorch can be imported: the same model and optimiser in PyTorch on CPU
  (same threads, same shapes), its tokens per second, and the ratio
  NumPy / PyTorch.

--threads N sets the threads of both OpenBLAS (NumPy's matrix products) and
PyTorch; by default each uses what it finds (all cores). NumPy's element-wise
work always runs on one core, PyTorch's on all of its threads.

The machine may be shared, so the two implementations run in alternating short
rounds and the best round of each is compared (the least disturbed by other
work); the per-round ratios are printed too. Nothing here is a test; it prints
figures.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from autograder.gpt import layers
from autograder.gpt.model import GPT, GPTConfig
from autograder.gpt.optim import AdamW
from autograder.gpt.threads import blas_threads, set_blas_threads

CONFIG = GPTConfig(vocab_size=32, context=32, d_model=128, n_heads=4, n_layers=2,
                   mlp_ratio=4, dtype="float32")
BATCH = 64


def matmul_flops(c: GPTConfig, batch: int) -> float:
    """Floating-point operations of the matrix products in one training step.

    Forward: per layer qkv (N D 3D), scores and pattern @ v (2 B H T T Dh), the
    output projection (N D D) and the MLP (2 N D 4D); then the unembedding (N D V).
    Each product of m x k by k x n costs 2 m k n; backward costs twice forward.
    """
    N, D, T = batch * c.context, c.d_model, c.context
    hidden = c.mlp_ratio * D
    per_layer = 2 * N * D * 3 * D + 2 * 2 * batch * c.n_heads * T * T * c.d_head \
        + 2 * N * D * D + 2 * 2 * N * D * hidden
    forward = c.n_layers * per_layer + 2 * N * D * c.vocab_size
    return 3.0 * forward


def gemm_peak(n: int = 2048, repeats: int = 5) -> float:
    """FLOP/s of the best of `repeats` float32 (n x n) @ (n x n) products."""
    a = np.random.default_rng(0).standard_normal((n, n), dtype=np.float32)
    b = np.random.default_rng(1).standard_normal((n, n), dtype=np.float32)
    a @ b
    best = min(_timed(lambda: a @ b) for _ in range(repeats))
    return 2.0 * n ** 3 / best


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


class MatmulTimer:
    """Stands in for layers.matmul and adds up the seconds spent in it."""

    def __init__(self):
        self.seconds = 0.0
        self._matmul = np.matmul

    def __call__(self, a, b):
        start = time.perf_counter()
        out = self._matmul(a, b)
        self.seconds += time.perf_counter() - start
        return out


def random_batch(rng, c: GPTConfig, batch: int):
    tokens = rng.integers(0, c.vocab_size, size=(batch, c.context + 1))
    return tokens[:, :-1], tokens[:, 1:], np.ones((batch, c.context), dtype=np.float32)


def numpy_round(model: GPT, opt: AdamW, batches, timer: MatmulTimer) -> tuple[float, float]:
    """(seconds per step, matmul seconds per step) over the given batches."""
    timer.seconds = 0.0
    start = time.perf_counter()
    for inputs, targets, mask in batches:
        model.loss(inputs, targets, mask)
        opt.step(model.backward())
    total = time.perf_counter() - start
    return total / len(batches), timer.seconds / len(batches)


def torch_trainer(c: GPTConfig, batch: int, threads: int | None = None):
    """A step function training the same model in PyTorch, or None without PyTorch."""
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        return None, None

    class Block(torch.nn.Module):
        def __init__(self):
            super().__init__()
            D = c.d_model
            self.ln1 = torch.nn.LayerNorm(D)
            self.qkv = torch.nn.Linear(D, 3 * D)
            self.proj = torch.nn.Linear(D, D)
            self.ln2 = torch.nn.LayerNorm(D)
            self.fc = torch.nn.Linear(D, c.mlp_ratio * D)
            self.out = torch.nn.Linear(c.mlp_ratio * D, D)

        def forward(self, x):
            B, T, D = x.shape
            q, k, v = self.qkv(self.ln1(x)).split(D, dim=2)
            q, k, v = (t.view(B, T, c.n_heads, c.d_head).transpose(1, 2) for t in (q, k, v))
            z = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + self.proj(z.transpose(1, 2).reshape(B, T, D))
            return x + self.out(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))

    class TorchGPT(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.tok = torch.nn.Embedding(c.vocab_size, c.d_model)
            self.pos = torch.nn.Embedding(c.context, c.d_model)
            self.blocks = torch.nn.ModuleList(Block() for _ in range(c.n_layers))
            self.ln_f = torch.nn.LayerNorm(c.d_model)
            self.unembed = torch.nn.Linear(c.d_model, c.vocab_size, bias=False)

        def forward(self, idx):
            x = self.tok(idx) + self.pos(torch.arange(idx.shape[1]))
            for block in self.blocks:
                x = block(x)
            return self.unembed(self.ln_f(x))

    torch.manual_seed(0)
    if threads:
        torch.set_num_threads(threads)
    model = TorchGPT()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)

    def step(inputs, targets):
        logits = model(inputs)
        loss = F.cross_entropy(logits.view(-1, c.vocab_size), targets.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    def run(batches) -> float:
        start = time.perf_counter()
        for inputs, targets in batches:
            step(inputs, targets)
        return (time.perf_counter() - start) / len(batches)

    return run, torch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=10, help="training steps per round")
    parser.add_argument("--rounds", type=int, default=10, help="alternating rounds")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for OpenBLAS and PyTorch (default: their own choice)")
    args = parser.parse_args()
    if args.threads:
        set_blas_threads(args.threads)
    c = CONFIG
    tokens_per_step = BATCH * c.context
    rng = np.random.default_rng(0)
    batches = [random_batch(rng, c, BATCH) for _ in range(args.steps)]

    timer = MatmulTimer()
    layers.matmul = timer
    model = GPT(c, seed=0)
    opt = AdamW(model.params, lr=1e-3)
    numpy_round(model, opt, batches[:3], timer)                    # warm-up

    torch_run, torch = torch_trainer(c, BATCH, args.threads)
    torch_batches = None
    if torch_run is not None:
        torch_batches = [(torch.from_numpy(np.ascontiguousarray(i)),
                          torch.from_numpy(np.ascontiguousarray(t))) for i, t, _ in batches]
        torch_run(torch_batches[:3])                               # warm-up

    np_steps, np_mm, pt_steps = [], [], []
    for _ in range(args.rounds):
        step_s, mm_s = numpy_round(model, opt, batches, timer)
        np_steps.append(step_s)
        np_mm.append(mm_s)
        if torch_run is not None:
            pt_steps.append(torch_run(torch_batches))
    peak = gemm_peak()

    step_s = min(np_steps)
    mm_s = np_mm[np_steps.index(step_s)]
    flops = matmul_flops(c, BATCH)
    print(f"config: vocab {c.vocab_size}, context {c.context}, d_model {c.d_model}, "
          f"{c.n_heads} heads, {c.n_layers} layers, MLP {c.mlp_ratio}x, batch {BATCH}, "
          f"{c.dtype}; {model.n_params:,} parameters")
    print(f"cores: {os.cpu_count()}; OpenBLAS threads: {blas_threads()}; "
          f"{args.rounds} rounds of {args.steps} steps, "
          "the best round of each\n")
    print(f"NumPy    {tokens_per_step / step_s:9,.0f} tokens/s   {1000 * step_s:6.1f} ms/step")
    print(f"  matrix products   {1000 * mm_s:6.1f} ms ({100 * mm_s / step_s:4.1f}%)")
    print(f"  everything else   {1000 * (step_s - mm_s):6.1f} ms "
          f"({100 * (step_s - mm_s) / step_s:4.1f}%)  element-wise, reductions, indexing")
    print(f"  GEMM peak (2048^3 float32, this run): {peak / 1e9:6.1f} GFLOP/s")
    print(f"  model: {flops / 1e9:.2f} GFLOP of matrix products per step = "
          f"{flops / step_s / 1e9:5.1f} GFLOP/s = {100 * flops / step_s / peak:4.1f}% of peak "
          f"(the matrix products alone run at {100 * flops / mm_s / peak:4.1f}% of peak)")
    if torch_run is None:
        print("\nPyTorch is not installed: no comparison (pip install torch to get one).")
        return
    pt_s = min(pt_steps)
    ratios = [p / n for n, p in zip(np_steps, pt_steps, strict=True)]
    print(f"\nPyTorch  {tokens_per_step / pt_s:9,.0f} tokens/s   {1000 * pt_s:6.1f} ms/step  "
          f"(torch {torch.__version__}, {torch.get_num_threads()} threads)")
    print(f"NumPy / PyTorch throughput: {pt_s / step_s:.2f}x "
          f"(per round: {', '.join(f'{r:.2f}' for r in ratios)})")


if __name__ == "__main__":
    main()
