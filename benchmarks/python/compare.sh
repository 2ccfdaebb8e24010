#!/usr/bin/env bash
# Runs the paper's U-Net (572x572, 'Valid') in Python PyTorch (Debian's python3-torch, installed when missing) and
# in UNetDsl's generated TorchSharp network, one after the other with the same thread count, and prints both medians
# and their ratio.
#   bash benchmarks/python/compare.sh [threads] [runs]
set -euo pipefail
cd "$(dirname "$0")/../.."
threads=${1:-2}
runs=${2:-5}

# Debian's interpreter, not a pyenv or venv one: python3-torch installs into it.
python=/usr/bin/python3
if ! "$python" -c "import torch" 2>/dev/null; then
  echo "installing Debian's python3-torch (needs root)..." >&2
  [ "$(id -u)" = 0 ] || { echo "compare.sh: python3-torch is missing and installing it needs root (apt-get install python3-torch)." >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch >/dev/null
fi

python_median=$("$python" benchmarks/python/paper_unet.py --threads "$threads" --runs "$runs")
dotnet build -c Release benchmarks/UNetDsl.Benchmarks >/dev/null
dotnet_median=$(dotnet run -c Release --no-build --project benchmarks/UNetDsl.Benchmarks -- inference --threads "$threads" --inference "$runs" | awk '/^MEDIAN/{print $2}')
torch_version=$("$python" -c "import torch; print(torch.__version__)")
echo "| engine | median inference, 572x572 (s) |"
echo "| --- | ---: |"
echo "| Python PyTorch $torch_version (Debian) | $python_median |"
echo "| UNetDsl generated, TorchSharp 0.107 | $dotnet_median |"
awk -v p="$python_median" -v d="$dotnet_median" 'BEGIN { printf "UNetDsl is %.2fx faster (%s threads, median of %s runs after a warm-up)\n", p / d, '"$threads"', '"$runs"' }'
