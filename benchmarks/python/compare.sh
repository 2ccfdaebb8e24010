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
  names+=("bfloat16" "huge pages, bfloat16" "channels-last, huge pages, bfloat16")
  options+=("--bf16" "--bf16" "--channels-last --bf16")
  tunables+=("" "glibc.malloc.hugetlb=1" "glibc.malloc.hugetlb=1")
fi

# A configuration this PyTorch cannot run (Debian's 1.13 has bfloat16 kernels that fail on some layouts) is reported
# as such, with its error, rather than ending the comparison.
declare -a medians=()
error_log=$(mktemp)
for i in "${!names[@]}"; do
  if median=$(GLIBC_TUNABLES="${tunables[$i]}" "$python" benchmarks/python/paper_unet.py --threads "$threads" --runs "$runs" ${options[$i]} 2>"$error_log"); then
    medians+=("$median")
  else
    medians+=("failed")
    echo "Python, ${names[$i]}: failed: $(tail -1 "$error_log")" >&2
  fi
done

dotnet build -c Release benchmarks/UNetDsl.Benchmarks >/dev/null
unetdsl() { dotnet run -c Release --no-build --project benchmarks/UNetDsl.Benchmarks -- inference --threads "$threads" --inference "$runs" --precision "$1" | awk '/^MEDIAN/{print $2}'; }
dotnet_median=$(unetdsl fp32)
# UNetDsl's bfloat16 path where the CPU has it natively, against which Python's bfloat16 rows are fair.
dotnet_bf16=$([ -n "$bf16" ] && unetdsl bf16 || echo "")
torch_version=$("$python" -c "import torch; print(torch.__version__)")
echo "$cpu ($flags), $threads threads, median of $runs runs after a warm-up"
echo
if [ -n "$bf16" ]; then
  echo "| engine | median inference, 572x572 (s) | UNetDsl float32 faster by | UNetDsl bfloat16 faster by |"
  echo "| --- | ---: | ---: | ---: |"
else
  echo "| engine | median inference, 572x572 (s) | UNetDsl faster by |"
  echo "| --- | ---: | ---: |"
fi
row() { # name seconds
  if [ "$2" = failed ]; then
    echo "| $1 | fails in this PyTorch | | |"
  elif [ -n "$dotnet_bf16" ]; then
    awk -v p="$2" -v d="$dotnet_median" -v b="$dotnet_bf16" -v n="$1" 'BEGIN { printf "| %s | %s | %.2fx | %.2fx |\n", n, p, p / d, p / b }'
  else
    awk -v p="$2" -v d="$dotnet_median" -v n="$1" 'BEGIN { printf "| %s | %s | %.2fx |\n", n, p, p / d }'
  fi
}
for i in "${!names[@]}"; do
  row "Python PyTorch $torch_version (Debian), ${names[$i]}" "${medians[$i]}"
done
row "UNetDsl generated (PrepareForInference + Predict), float32, TorchSharp 0.107" "$dotnet_median"
if [ -n "$dotnet_bf16" ]; then
  row "UNetDsl generated (PrepareForInference + Predict), bfloat16, TorchSharp 0.107" "$dotnet_bf16"
fi
