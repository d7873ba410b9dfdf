"""Training throughput of the NumPy GPT (autograder.gpt) against PyTorch on CPU.

    bash benchmarks/torch_env.sh                       # once: .bench-venv with torch 2.13 (CPU)
    nice -n -5 .bench-venv/bin/python benchmarks/transformer.py [--config reference stage04]
        [--threads 1 2] [--steps 10] [--rounds 10] [--blas-only]

PyTorch is never installed in the learner's environment (.venv); the script
benchmarks/torch_env.sh builds a separate one, .bench-venv (git-ignored), from
the runtime lock plus the CPU wheel of torch 2.13. Without torch the script
still runs and prints the NumPy figures only.

Two configurations (both float32, AdamW, random tokens, every position scored):

- reference: vocab 32, context 32, d_model 128, 4 heads, 2 layers, MLP 4x, batch 64;
- stage04: stage 04's own (notebook 06's digit tasks): vocab 15, context 17,
  d_model 64, 4 heads, 2 layers, MLP 4x, batch 64.

First, for each configuration, both implementations get the same weights and
batch (in float64) and the script asserts equal loss and gradients within 1e-6:
the two compute the same function. Then, for each thread count, it prints:

- tokens per second (batch x context per step / seconds per step);
- how a step's time splits between matrix products (every call of
  autograder.gpt.layers.matmul, timed) and everything else (element-wise work,
  reductions, indexing, Python overhead);
- the fraction of this machine's GEMM peak the step reaches: the model's
  matrix-product FLOPs per second over the rate of one large float32 GEMM
  (2048 x 2048 x 2048) measured in the same run, at the same thread count;
- PyTorch's tokens per second for the same model and optimiser at the same
  thread count, and the ratio NumPy / PyTorch (above 1: NumPy is faster);

and at the end a table of all of them.

"N threads" means: PyTorch's torch.set_num_threads(N); NumPy's GPT.threads = N
(the batch split into N parts run at once on N threads, each part's matrix
products on one OpenBLAS thread) with OpenBLAS at N threads for anything else.
--blas-only keeps GPT.threads = 1, so NumPy's only threads are OpenBLAS's (the
element-wise work then runs on one core), to compare with.

The machine may be shared, so the two implementations run in alternating short
rounds; the script prints the ratio of the best round of each (the least
disturbed by other work), the median of the per-round ratios and their range,
and the ratio of CPU time per step (PyTorch / NumPy, median round), which other
programs disturb less than wall time. Run it at normal priority or above
(nice -n -5) when other jobs run at nice 10. Nothing here is a test; it
prints figures. docs/performance.md records them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time

import numpy as np

from autograder.gpt import layers
from autograder.gpt.model import GPT, GPTConfig
from autograder.gpt.optim import AdamW
from autograder.gpt.threads import blas_threads, set_blas_threads

CONFIGS = {
    # issue 19's reference configuration
    "reference": (GPTConfig(vocab_size=32, context=32, d_model=128, n_heads=4, n_layers=2,
                            mlp_ratio=4, dtype="float32"), 64),
    # stage 04's own: the digit tasks of notebook 06 (autograder.gpt.train.TrainConfig)
    "stage04": (GPTConfig(vocab_size=15, context=17, d_model=64, n_heads=4, n_layers=2,
                          mlp_ratio=4, dtype="float32"), 64),
}


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


def gemm_peak(n: int = 2048, repeats: int = 5) -> tuple[float, float]:
    """FLOP/s of the best of `repeats` float32 (n x n) @ (n x n) products: per second of
    wall time, and per second of CPU time (all threads)."""
    a = np.random.default_rng(0).standard_normal((n, n), dtype=np.float32)
    b = np.random.default_rng(1).standard_normal((n, n), dtype=np.float32)
    a @ b
    best = min(_timed(lambda: a @ b) for _ in range(repeats))
    best_cpu = min(_timed(lambda: a @ b, time.process_time) for _ in range(repeats))
    return 2.0 * n ** 3 / best, 2.0 * n ** 3 / best_cpu


def _timed(fn, clock=time.perf_counter) -> float:
    start = clock()
    fn()
    return clock() - start


class MatmulTimer:
    """Stands in for layers.matmul and adds up the seconds spent in it."""

    def __init__(self):
        self.seconds = 0.0
        self._matmul = np.matmul
        self._lock = threading.Lock()

    def __call__(self, a, b, **kwargs):
        start = time.perf_counter()
        out = self._matmul(a, b, **kwargs)
        with self._lock:                 # GPT.threads > 1 calls it from several threads
            self.seconds += time.perf_counter() - start
        return out


def random_batch(rng, c: GPTConfig, batch: int):
    tokens = rng.integers(0, c.vocab_size, size=(batch, c.context + 1))
    return (np.ascontiguousarray(tokens[:, :-1]), np.ascontiguousarray(tokens[:, 1:]),
            np.ones((batch, c.context), dtype=c.dtype))


def numpy_round(model: GPT, opt: AdamW, batches,
                timer: MatmulTimer) -> tuple[float, float, float]:
    """(seconds per step, matmul seconds per step, CPU seconds per step) over the batches."""
    timer.seconds = 0.0
    start, cpu = time.perf_counter(), time.process_time()
    for inputs, targets, mask in batches:
        model.loss(inputs, targets, mask)
        opt.step(model.backward())
    total, cpu = time.perf_counter() - start, time.process_time() - cpu
    return total / len(batches), timer.seconds / len(batches), cpu / len(batches)


def torch_model(c: GPTConfig, params: dict[str, np.ndarray]):
    """The same GPT in PyTorch, with a copy of `params` (NumPy names and layouts), or None.

    NumPy keeps linear weights as (d_in, d_out) and computes x @ W; torch.nn.Linear
    keeps (d_out, d_in), so each matrix is transposed on the way in.
    """
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        return None

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

    model = TorchGPT().to(getattr(torch, c.dtype))
    with torch.no_grad():
        for name, tensor in torch_params(model, c).items():
            tensor.copy_(torch.from_numpy(_torch_layout(name, params[name])))
    return model


def torch_params(model, c: GPTConfig) -> dict:
    """{NumPy parameter name: the torch tensor holding it}."""
    named = {"tok_emb": model.tok.weight, "pos_emb": model.pos.weight,
             "ln_f.g": model.ln_f.weight, "ln_f.b": model.ln_f.bias,
             "unembed": model.unembed.weight}
    for i, blk in enumerate(model.blocks):
        pre = f"blocks.{i}."
        for ours, mod in [("ln1", blk.ln1), ("ln2", blk.ln2)]:
            named[pre + ours + ".g"], named[pre + ours + ".b"] = mod.weight, mod.bias
        for ours, mod in [("attn.W_qkv", blk.qkv), ("attn.W_o", blk.proj),
                          ("mlp.W_in", blk.fc), ("mlp.W_out", blk.out)]:
            bias = ours.replace("W_", "b_")
            named[pre + ours], named[pre + bias] = mod.weight, mod.bias
    return named


def _torch_layout(name: str, array: np.ndarray) -> np.ndarray:
    """A NumPy parameter in torch's layout: matrices applied as x @ W are transposed."""
    is_linear = name == "unembed" or name.split(".")[-1].startswith("W_")
    return np.ascontiguousarray(array.T if is_linear else array)


def assert_same_model(c: GPTConfig, batch: int, tol: float = 1e-6) -> tuple[float, float]:
    """Equal loss and gradients (within `tol`) of NumPy and PyTorch at the same weights.

    Float64, so that the comparison checks the mathematics rather than float32
    rounding; returns (loss difference, largest gradient difference).
    """
    import torch
    import torch.nn.functional as F
    c64 = GPTConfig(**{**c.__dict__, "dtype": "float64"})
    ours = GPT(c64, seed=1)
    inputs, targets, mask = random_batch(np.random.default_rng(1), c64, batch)
    loss = ours.loss(inputs, targets, mask)
    grads = ours.backward()
    theirs = torch_model(c64, ours.params)
    logits = theirs(torch.from_numpy(inputs))
    t_loss = F.cross_entropy(logits.reshape(-1, c.vocab_size),
                             torch.from_numpy(targets).reshape(-1))
    t_loss.backward()
    loss_gap = abs(loss - t_loss.item())
    grad_gap = max(float(np.abs(grads[name] - _torch_layout(name, t.grad.numpy()).reshape(
        grads[name].shape)).max()) for name, t in torch_params(theirs, c64).items())
    assert loss_gap <= tol and grad_gap <= tol, (
        f"NumPy and PyTorch disagree: loss by {loss_gap:.2e}, gradients by up to {grad_gap:.2e}")
    return loss_gap, grad_gap


def torch_trainer(c: GPTConfig, params: dict[str, np.ndarray], threads: int):
    """A function timing training steps of the same model in PyTorch, or None without it."""
    model = torch_model(c, params)
    if model is None:
        return None
    import torch
    import torch.nn.functional as F
    torch.set_num_threads(threads)
    # weight decay on matrices only, as autograder.gpt.optim.AdamW does
    decay = [p for p in model.parameters() if p.ndim >= 2]
    rest = [p for p in model.parameters() if p.ndim < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01},
                             {"params": rest, "weight_decay": 0.0}], lr=1e-3)

    def step(inputs, targets):
        logits = model(inputs)
        loss = F.cross_entropy(logits.view(-1, c.vocab_size), targets.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    def run(batches) -> tuple[float, float]:
        """(seconds per step, CPU seconds per step)."""
        start, cpu = time.perf_counter(), time.process_time()
        for inputs, targets, _ in batches:
            step(torch.from_numpy(inputs), torch.from_numpy(targets))
        return ((time.perf_counter() - start) / len(batches),
                (time.process_time() - cpu) / len(batches))

    return run


def measure(name: str, threads: int, steps: int, rounds: int,
            blas_only: bool = False) -> dict[str, float]:
    """Time NumPy and (if installed) PyTorch at one configuration and thread count; print it."""
    c, batch = CONFIGS[name]
    set_blas_threads(threads)
    tokens_per_step = batch * c.context
    rng = np.random.default_rng(0)
    batches = [random_batch(rng, c, batch) for _ in range(steps)]

    timer = MatmulTimer()
    layers.matmul = timer
    model = GPT(c, seed=0)
    model.threads = 1 if blas_only else threads  # the batch split over threads, or not
    torch_run = torch_trainer(c, model.params, threads)   # a copy of the same weights
    opt = AdamW(model.params, lr=1e-3)
    numpy_round(model, opt, batches[:3], timer)                    # warm-up
    if torch_run is not None:
        torch_run(batches[:3])                                     # warm-up

    np_steps, np_mm, np_cpu, pt_steps, pt_cpu = [], [], [], [], []
    for _ in range(rounds):
        step_s, mm_s, cpu_s = numpy_round(model, opt, batches, timer)
        np_steps.append(step_s)
        np_mm.append(mm_s)
        np_cpu.append(cpu_s)
        if torch_run is not None:
            pt_s, pt_c = torch_run(batches)
            pt_steps.append(pt_s)
            pt_cpu.append(pt_c)
    layers.matmul = np.matmul
    peak, peak_cpu = gemm_peak()

    step_s = min(np_steps)
    mm_s = np_mm[np_steps.index(step_s)]
    flops = matmul_flops(c, batch)
    print(f"\n== {name}: vocab {c.vocab_size}, context {c.context}, d_model {c.d_model}, "
          f"{c.n_heads} heads, {c.n_layers} layers, MLP {c.mlp_ratio}x, batch {batch}, "
          f"{c.dtype}; {model.n_params:,} parameters; {threads} thread(s) "
          f"(GPT.threads {model.threads}, OpenBLAS {blas_threads()}); "
          f"best of {rounds} rounds of {steps} steps")
    print(f"NumPy    {tokens_per_step / step_s:9,.0f} tokens/s   {1000 * step_s:6.1f} ms/step"
          f"   (CPU time {1000 * min(np_cpu):.1f} ms/step)")
    # with the batch split over threads, the matrix products' seconds are summed over the
    # threads: compare them with the threads' time, threads x the step's wall time
    busy = model.threads * step_s
    print(f"  matrix products   {1000 * mm_s:6.1f} ms ({100 * mm_s / busy:4.1f}%)"
          + (f" of {1000 * busy:.1f} thread-ms" if model.threads > 1 else ""))
    print(f"  everything else   {1000 * (busy - mm_s):6.1f} ms "
          f"({100 * (busy - mm_s) / busy:4.1f}%)  element-wise, reductions, indexing")
    print(f"  GEMM peak (2048^3 float32, this run): {peak / 1e9:6.1f} GFLOP/s")
    print(f"  model: {flops / 1e9:.2f} GFLOP of matrix products per step = "
          f"{flops / step_s / 1e9:5.1f} GFLOP/s = {100 * flops / step_s / peak:4.1f}% of peak "
          f"(the matrix products alone run at {100 * flops / mm_s / peak:4.1f}% of peak)")
    # the same per second of CPU time: steadier on a busy machine (at 2 threads it counts
    # both threads, so it is the work's efficiency rather than the step's speed)
    cpu_s = min(np_cpu)
    print(f"  per CPU second: GEMM {peak_cpu / 1e9:6.1f} GFLOP/s, model "
          f"{flops / cpu_s / 1e9:5.1f} GFLOP/s = {100 * flops / cpu_s / peak_cpu:4.1f}% of peak")
    row = {"numpy": tokens_per_step / step_s, "peak": flops / step_s / peak,
           "peak_cpu": flops / cpu_s / peak_cpu}
    if torch_run is None:
        return row
    import torch
    pt_s = min(pt_steps)
    ratios = [p / n for n, p in zip(np_steps, pt_steps, strict=True)]
    cpu_ratios = [p / n for n, p in zip(np_cpu, pt_cpu, strict=True)]
    print(f"PyTorch  {tokens_per_step / pt_s:9,.0f} tokens/s   {1000 * pt_s:6.1f} ms/step"
          f"   (CPU time {1000 * min(pt_cpu):.1f} ms/step; torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads)")
    print(f"NumPy / PyTorch throughput: {pt_s / step_s:.2f}x best rounds, "
          f"{statistics.median(ratios):.2f}x median round "
          f"(per round: {', '.join(f'{r:.2f}' for r in ratios)})")
    # CPU seconds are less disturbed by other programs than wall time; with 2 threads they
    # count both threads (and any time they spin waiting), so they measure work, not speed
    print(f"PyTorch / NumPy CPU time per step: {statistics.median(cpu_ratios):.2f}x median "
          f"round ({min(cpu_ratios):.2f}-{max(cpu_ratios):.2f})")
    row.update(torch=tokens_per_step / pt_s, ratio=pt_s / step_s,
               low=min(ratios), high=max(ratios), median=statistics.median(ratios),
               cpu=statistics.median(cpu_ratios))
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=10, help="training steps per round")
    parser.add_argument("--rounds", type=int, default=10, help="alternating rounds")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2],
                        help="thread counts to measure, for NumPy and PyTorch alike")
    parser.add_argument("--config", nargs="+", choices=sorted(CONFIGS),
                        default=list(CONFIGS), help="configurations to measure")
    parser.add_argument("--blas-only", action="store_true",
                        help="NumPy's threads only in OpenBLAS (GPT.threads = 1), as before")
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}; load average: {os.getloadavg()[0]:.1f}")
    rows = {}
    for name in args.config:
        try:
            gaps = assert_same_model(*CONFIGS[name])
            print(f"{name}: NumPy and PyTorch agree at the same weights (float64): loss within "
                  f"{gaps[0]:.1e}, gradients within {gaps[1]:.1e}")
        except ImportError:
            print("PyTorch is not installed: no comparison (bash benchmarks/torch_env.sh "
                  "builds an environment with it).")
        for threads in args.threads:
            rows[name, threads] = measure(name, threads, args.steps, args.rounds,
                                          args.blas_only)
    print("\nconfig     threads  NumPy tok/s  PyTorch tok/s  NumPy/PyTorch best, median "
          "(rounds)   CPU time ratio  model FLOP rate / GEMM peak (wall, CPU)")
    for (name, threads), r in rows.items():
        vs = (f"{r['torch']:13,.0f}  {r['ratio']:5.2f}x, {r['median']:5.2f}x "
              f"({r['low']:.2f}-{r['high']:.2f})  {r['cpu']:5.2f}x"
              if "torch" in r else f"{'-':>13}  {'-':>20}")
        print(f"{name:10} {threads:7}  {r['numpy']:11,.0f}  {vs:<50}  {100 * r['peak']:4.1f}%, "
              f"{100 * r['peak_cpu']:4.1f}%")


if __name__ == "__main__":
    main()
