#!/usr/bin/env bash
# Runs the paper's U-Net (572x572, 'Valid') in Python PyTorch (Debian's python3-torch, installed when missing) and
# in UNetDsl's generated TorchSharp network, one after the other with the same thread count, and prints the medians
# and their ratios: Python as Debian ships it, and Python in its best configuration on this machine (channels-last,
# glibc's allocator on huge pages, and bfloat16 where the CPU has native bf16: avx512_bf16 or AMX), each lever alone and
# together.
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

flags=$(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx2|fma|avx512f|avx512_bf16|amx_bf16)$' | tr '\n' ' ' | sed 's/ $//')
cpu=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
bf16=""
if echo "$flags" | grep -qE 'avx512_bf16|amx_bf16'; then
  bf16="--bf16"
fi

# Each lever alone and together, as the best configuration is whichever is fastest on this machine.
declare -a names=("as shipped" "channels-last" "huge pages" "channels-last, huge pages")
declare -a options=("" "--channels-last" "" "--channels-last")
declare -a tunables=("" "" "glibc.malloc.hugetlb=1" "glibc.malloc.hugetlb=1")
if [ -n "$bf16" ]; then
  names+=("channels-last, huge pages, bfloat16"); options+=("--channels-last --bf16"); tunables+=("glibc.malloc.hugetlb=1")
fi

declare -a medians=()
for i in "${!names[@]}"; do
  medians+=("$(GLIBC_TUNABLES="${tunables[$i]}" "$python" benchmarks/python/paper_unet.py --threads "$threads" --runs "$runs" ${options[$i]})")
done

dotnet build -c Release benchmarks/UNetDsl.Benchmarks >/dev/null
dotnet_median=$(dotnet run -c Release --no-build --project benchmarks/UNetDsl.Benchmarks -- inference --threads "$threads" --inference "$runs" | awk '/^MEDIAN/{print $2}')
torch_version=$("$python" -c "import torch; print(torch.__version__)")
echo "$cpu ($flags), $threads threads, median of $runs runs after a warm-up"
echo
echo "| engine | median inference, 572x572 (s) | UNetDsl faster by |"
echo "| --- | ---: | ---: |"
for i in "${!names[@]}"; do
  awk -v p="${medians[$i]}" -v d="$dotnet_median" -v v="$torch_version" -v n="${names[$i]}" 'BEGIN { printf "| Python PyTorch %s (Debian), %s | %s | %.2fx |\n", v, n, p, p / d }'
done
echo "| UNetDsl generated (PrepareForInference + Predict), TorchSharp 0.107 | $dotnet_median | 1.00x |"
