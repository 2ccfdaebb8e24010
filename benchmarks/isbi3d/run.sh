#!/usr/bin/env bash
# The 3D acceptance runs of docs/benchmarks.md, one after another on an idle machine (about 65 minutes):
#   2D SmallUNet on ISBI 2012 slices 00-19, held out 20-24, 20 minutes;
#   EmStack3DUNet on the same slices stacked into one volume (spacing 50,4,4 nm), held out 20-24, 20 minutes;
#   the same 3D run with labels on every 4th training slice only (Cicek et al.'s sparse setting), 20 minutes;
#   the default 3D run a fresh clone makes (synthetic cells, about 3 minutes).
# Usage: bash benchmarks/isbi3d/run.sh [ISBI_FOLDER] [OUT_FOLDER]
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${1:-../shared/data/isbi2012-em}
out=${2:-/tmp/isbi3d-runs}
minutes=${MINUTES:-20}
mkdir -p "$out"
/usr/bin/python3 benchmarks/isbi3d/prepare.py "$data" "$out/volumes"
dotnet build samples/UNetApp -c Release -o "$out/app" > "$out/build.log"
lscpu | grep -E 'Model name|^CPU\(s\)|Flags' | sed 's/Flags:.*/flags: '"$(grep -o -w -E 'avx2|fma|avx512f|avx512_bf16|avx512_vnni|amx_bf16' /proc/cpuinfo | sort -u | tr '\n' ' ')"'/' > "$out/cpu.txt"
run() { local name=$1; shift; /usr/bin/time -v -o "$out/$name.time" dotnet "$out/app/unet.dll" "$@" 2>&1 | tee "$out/$name.log" | grep -E 'Planned|Network:|epoch|Stopped|│ [0-9]' || true; }
run isbi-2d train --arch small --data "$data" --validation 5 --minutes "$minutes" --out "$out/isbi-2d" --overwrite
run isbi-3d train --arch em3d --data "$out/volumes/dense" --validation 1 --spacing 50,4,4 --tile 8,96,96 --minutes "$minutes" --out "$out/isbi-3d" --overwrite
run isbi-3d-sparse train --arch em3d --data "$out/volumes/sparse" --unlabelled 128 --validation 1 --spacing 50,4,4 --tile 8,96,96 --minutes "$minutes" --out "$out/isbi-3d-sparse" --overwrite
run synthetic-3d train --arch small3d --out "$out/synthetic-3d" --overwrite
grep -H -E 'Elapsed|Maximum resident' "$out"/*.time
