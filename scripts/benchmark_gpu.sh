#!/usr/bin/env bash
# The GPU figures of docs/pages/performance.md in one go, on a machine with a CUDA device: the CUDA tests, then the
# training, model and video benchmarks with their CUDA rows (fp32, bf16 autocast, torch.compile). Logs and JSON go
# into OUTDIR.
#
#   bash scripts/benchmark_gpu.sh OUTDIR
#
# Each step has a time limit (seconds, below) so that one slow step cannot eat a short GPU lease; a step that runs
# out says so in its log and the next one starts. PYTHON picks the interpreter (default python3), STEPS the steps
# (default: all four). The CPU-only tests run in CI; here only the CUDA ones run. pglsum-hf must be installed
# (run it from outside the source tree, so that `python -m pglsum_hf.cli` finds the installed package).
set -uo pipefail
out=${1:?usage: bash scripts/benchmark_gpu.sh OUTDIR}
mkdir -p "$out"
export PYTHONUNBUFFERED=1
python=${PYTHON:-python3}
tests=$(cd "$(dirname "$0")/../tests" && pwd)

steps=${STEPS:-tests training model video}

step() {
    local limit=$1 name=$2
    shift 2
    [[ " $steps " == *" $name "* ]] || return 0
    echo "== $name (at most ${limit} s): $*"
    # progress bars redraw with carriage returns; the logs keep the printed figures only
    timeout "$limit" "$@" 2>&1 | tr '\r' '\n' | grep -Ev '[0-9]+%\|' | tee "$out/$name.log"
    echo "== $name: exit ${PIPESTATUS[0]}" | tee -a "$out/$name.log"
}

{
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
    "$python" -c "import torch, transformers; print('torch', torch.__version__, 'transformers', transformers.__version__)"
} | tee "$out/machine.log"
step 60 tests "$python" -m pytest "$tests/test_model_numerics.py" "$tests/test_model_compile.py" -k cuda -q -rs \
    -p no:cacheprovider
step 130 training "$python" -m pglsum_hf.cli benchmark training --devices cuda --epochs 3 \
    --output "$out/benchmark_training.json" --overwrite
step 170 model "$python" -m pglsum_hf.cli benchmark model --devices cuda --lengths 1000,10000,30000,60000 \
    --compile_max_length 1000 --run_timeout 60 --output "$out/benchmark_model.json" --overwrite
step 150 video "$python" -m pglsum_hf.cli benchmark video --output "$out/benchmark_video.json" --overwrite
