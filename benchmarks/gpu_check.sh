#!/usr/bin/env bash
# benchmarks/gpu_check.py on a GPU machine that reaches no network (docs/speed.md, "GPU check"): a virtual
# environment over the machine's own packages (its CUDA torch, transformers, ...), the dependencies it lacks
# from the wheels `make gpu-check-wheels` saved in build/wheels, this tree installed editable (so the check
# runs from source), then the check, its JSON and log written into OUT_DIR.
# Usage: bash benchmarks/gpu_check.sh OUT_DIR [gpu_check options, e.g. --device cuda:1]
set -euo pipefail
out=${1:?usage: bash benchmarks/gpu_check.sh OUT_DIR [gpu_check options]}
shift
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$(dirname "$0")/.."
if ! compgen -G "build/wheels/*.whl" >/dev/null; then
    echo "gpu_check.sh: no wheels in build/wheels: run make gpu-check-wheels where pip reaches PyPI, carry build/wheels" >&2
    exit 2
fi
base=${PYTHON:-python3}
venv=${GPU_CHECK_VENV:-/tmp/gpu-check-venv}
"$base" -m venv --clear --without-pip "$venv"
# The machine's packages (and their .pth files) come after this environment's own, so the wheels win.
sites=$("$base" -c 'import sys; print([p for p in sys.path if p.endswith(("site-packages", "dist-packages"))])')
purelib=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')
echo "import site; list(map(site.addsitedir, $sites))" >"$purelib/machine-packages.pth"
install=("$venv/bin/python" -m pip install --quiet --no-index --no-deps --no-build-isolation --no-compile)
"${install[@]}" build/wheels/*.whl
"${install[@]}" --editable .
PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 "$venv/bin/python" -m benchmarks.gpu_check --out "$out/gpu-check.json" "$@" \
    2>&1 | tee "$out/gpu-check.log"
