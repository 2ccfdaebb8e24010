#!/usr/bin/env bash
# Makes /usr/bin/python3 able to import torch, skimage, nibabel and tifffile:
# - torch for the PyTorch twin tests (tests/UNetDsl.Tests/Interop) and the export/import app tests, which run the
#   generated twins and unetdsl_torch.py's converter;
# - skimage (scikit-image, with numpy and scipy) for the metric tests (tests/UNetDsl.Training.Tests), which check
#   UNetDsl's metrics against scikit-image's;
# - nibabel and tifffile for the volume tests (tests/UNetDsl.Training.Tests/Volumes), which check UNetDsl's NIfTI and
#   TIFF stack reader and writer against them.
#
# Uses Debian's python3-torch (PyTorch 1.13 on Debian 12), python3-skimage (scikit-image 0.19 on Debian 12),
# python3-nibabel (nibabel 5.0) and python3-tifffile (tifffile 2023.2.3):
# CPU-only, installed with apt, no pip and no network beyond the machine's Debian mirror. The tests need nothing newer.
#
# Idempotent: does nothing when /usr/bin/python3 already imports them all, and installs only the missing packages
# otherwise. Exits non-zero with a message naming the problem and the manual fix where it cannot do the job (not root,
# no apt-get, package not found).
set -euo pipefail

python=/usr/bin/python3
say() { printf 'setup-python-torch: %s\n' "$*" >&2; }

# Python module and the Debian package that provides it.
modules=(torch skimage nibabel tifffile)
declare -A packages=([torch]=python3-torch [skimage]=python3-skimage [nibabel]=python3-nibabel [tifffile]=python3-tifffile)

imports() { [ -x "$python" ] && "$python" -c "import $1" >/dev/null 2>&1; }
version() { "$python" -c "import $1; print($1.__version__)"; }
versions() { for module in "${modules[@]}"; do printf '%s %s, ' "$module" "$(version "$module")"; done | sed 's/, $//'; }

missing=()
for module in "${modules[@]}"; do
  imports "$module" || missing+=("${packages[$module]}")
done

if [ ${#missing[@]} -eq 0 ]; then
  say "$python already imports $(versions); nothing to do."
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  say "no apt-get on this machine. Install ${missing[*]} for $python by hand (e.g. $python -m pip install torch scikit-image nibabel tifffile)."
  exit 1
fi

if [ "$(id -u)" -ne 0 ]; then
  say "installing ${missing[*]} needs root. Run: sudo $0   (or: sudo apt-get install -y ${missing[*]})"
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
say "installing Debian's ${missing[*]} ..."
if ! apt-get install -y --no-install-recommends "${missing[@]}"; then
  # The package lists may be missing or stale on a fresh machine: refresh them once and retry.
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}" || {
    say "apt-get could not install ${missing[*]} (is the Debian main archive in /etc/apt/sources.list?)."
    exit 1
  }
fi

for module in "${modules[@]}"; do
  if ! imports "$module"; then
    say "${packages[$module]} is installed but $python still cannot import $module: $("$python" -c "import $module" 2>&1 | tail -1)"
    exit 1
  fi
done

say "done: $python imports $(versions)."
