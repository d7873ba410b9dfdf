#!/usr/bin/env bash
# Builds .bench-venv: the project's runtime lock plus PyTorch 2.13 (CPU wheel), for
# benchmarks/transformer.py's comparison. Never the learner's .venv (which has no torch).
#
#   bash benchmarks/torch_env.sh            # once; repeated only if the lock changed
#   .bench-venv/bin/python benchmarks/transformer.py --threads 2
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.bench-venv"
stamp="$venv/.lock-stamp"
want="$(cat "$root/requirements/runtime.lock"; echo torch==2.13.*)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    echo "$venv is up to date"; exit 0
fi
python3 -m venv --clear "$venv"
"$venv/bin/python" -m pip install --quiet -r "$root/requirements/runtime.lock"
# the CPU build (2.13.0+cpu): pip takes it from the wheels configured for this machine
"$venv/bin/python" -m pip install --quiet "torch==2.13.*"
"$venv/bin/python" -m pip install --quiet --no-deps -e "$root"
"$venv/bin/python" -c "import numpy, torch; print('numpy', numpy.__version__, 'torch', torch.__version__)"
echo "$want" > "$stamp"
