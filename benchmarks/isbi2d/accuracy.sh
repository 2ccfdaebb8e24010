#!/usr/bin/env bash
# The ISBI 2012 recipe's checkpoint in float32 and in bfloat16, with and without test-time mirroring, on the held-out
# slices 20-24 (docs/benchmarks.md, "bfloat16 inference and mixed-precision training"): train SmallUNet on slices 00-19
# for MINUTES (default 30) in PRECISION (fp32 or bf16, default fp32), then evaluate and predict the held-out slices
# four ways and count the pixels whose class differs between float32 and bfloat16. Run on an idle machine.
# STEPS fixes the number of steps instead (repeatable, and independent of the machine's load). ARCH names the network
# (default small, the app's SmallUNet); the recipe's IsbiUNet is declared in IsbiNetworks/, a class library built here
# and handed to the app with --assembly, as a user's own network is.
# TRAIN_ARGS adds options to unet train (e.g. the loss: "--class-balance off --border-weight 0 --dice-weight 0").
# Usage: MINUTES=30 PRECISION=fp32 ARCH=small bash benchmarks/isbi2d/accuracy.sh [ISBI_FOLDER] [OUT_FOLDER]
# The recipe for the lowest pixel error (0.0741 mirrored, docs/benchmarks.md "plain cross-entropy for the pixel error"):
#   STEPS=11250 PRECISION=bf16 ARCH=IsbiUNet TRAIN_ARGS="--class-balance off --border-weight 0 --dice-weight 0" \
#     bash benchmarks/isbi2d/accuracy.sh
# The border term alone, for the lowest Rand error (0.082 mirrored): the same with TRAIN_ARGS="--class-balance off --dice-weight 0".
# The paper's loss (the default): MINUTES=30 PRECISION=bf16 ARCH=IsbiUNet bash benchmarks/isbi2d/accuracy.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
data=$(realpath "${1:-../shared/data/isbi2012-em}")
out=${2:-/tmp/isbi2d-accuracy}
minutes=${MINUTES:-30}
precision=${PRECISION:-fp32}
arch=${ARCH:-small}
mkdir -p "$out/held-out/images" "$out/held-out/labels"

# The held-out slices as a labelled folder of links: the data stays where it is.
for name in $(ls "$data/images" | sort | tail -5); do
  ln -sfn "$data/images/$name" "$out/held-out/images/$name"
  ln -sfn "$data/labels/$name" "$out/held-out/labels/$name"
done

dotnet build samples/UNetApp -c Release -o "$out/app" > "$out/build.log"
dotnet build benchmarks/isbi2d/IsbiNetworks -c Release -o "$out/networks" >> "$out/build.log"
{ grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'; echo "flags: $(grep -o -w -E 'avx2|fma|avx512f|avx512_bf16|avx512_vnni|amx_bf16' /proc/cpuinfo | sort -u | tr '\n' ' ')"; nproc; } > "$out/cpu.txt"
cat "$out/cpu.txt"
unet() { dotnet "$out/app/unet.dll" "$@" --assembly "$out/networks/IsbiNetworks.dll"; }

if [ ! -f "$out/run/checkpoint.unet" ] || [ "${RETRAIN:-1}" = 1 ]; then
  budget=(--minutes "$minutes"); [ -n "${STEPS:-}" ] && budget=(--steps "$STEPS")
  unet train --arch "$arch" --data "$data" --validation 5 "${budget[@]}" --precision "$precision" ${TRAIN_ARGS:-} --out "$out/run" --overwrite 2>&1 \
    | tee "$out/train.log" | grep -E 'Planned|Network:|Stopped|Metrics|│' || true
fi

for mode in fp32 bf16 fp32-mirror bf16-mirror; do
  p=${mode%%-*}
  mirror=(); [[ $mode == *mirror ]] && mirror=(--mirror)
  unet evaluate --model "$out/run/checkpoint.unet" --data "$out/held-out" --precision "$p" "${mirror[@]}" > "$out/evaluate-$mode.log" 2>&1
  unet predict --model "$out/run/checkpoint.unet" --input "$out/held-out/images" --out "$out/predicted-$mode" --precision "$p" "${mirror[@]}" --overwrite > "$out/predict-$mode.log" 2>&1
  echo "== $mode: $(grep -m1 'computes in' "$out/evaluate-$mode.log")"
  grep -E '│' "$out/evaluate-$mode.log" | head -6
done

/usr/bin/python3 - "$out" <<'PY'
import sys, glob, os
import numpy as np
from PIL import Image
out = sys.argv[1]
def masks(mode):
    return {os.path.basename(f): np.asarray(Image.open(f)) for f in sorted(glob.glob(f"{out}/predicted-{mode}/*-prediction.png"))}
for a, b in [("fp32", "bf16"), ("fp32-mirror", "bf16-mirror"), ("fp32", "fp32-mirror")]:
    x, y = masks(a), masks(b)
    same = sum(int((x[k] == y[k]).sum()) for k in x)
    total = sum(x[k].size for k in x)
    print(f"argmax agreement {a} vs {b}: {same / total:.5f} ({total - same} of {total} pixels differ)")
PY
