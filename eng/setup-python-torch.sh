#!/usr/bin/env bash
# Makes /usr/bin/python3 able to import torch, for the PyTorch twin tests (tests/UNetDsl.Tests/Interop) and the
# export/import app tests, which run the generated twins and unetdsl_torch.py's converter.
#
# Uses Debian's python3-torch (PyTorch 1.13 on Debian 12): CPU-only, installed with apt, no pip and no network
# beyond the machine's Debian mirror. The twins need nothing newer.
#
# Idempotent: does nothing when /usr/bin/python3 already imports torch. Exits non-zero with a message naming the
# problem and the manual fix where it cannot do the job (not root, no apt-get, package not found).
set -euo pipefail

python=/usr/bin/python3
say() { printf 'setup-python-torch: %s\n' "$*" >&2; }

if [ -x "$python" ] && "$python" -c 'import torch' >/dev/null 2>&1; then
  say "$python already imports torch $("$python" -c 'import torch; print(torch.__version__)'); nothing to do."
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  say "no apt-get on this machine. Install PyTorch for $python by hand (e.g. $python -m pip install torch)."
  exit 1
fi

if [ "$(id -u)" -ne 0 ]; then
  say "installing python3-torch needs root. Run: sudo $0   (or: sudo apt-get install -y python3-torch)"
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
say "installing Debian's python3-torch ..."
if ! apt-get install -y --no-install-recommends python3-torch; then
  # The package lists may be missing or stale on a fresh machine: refresh them once and retry.
  apt-get update
  apt-get install -y --no-install-recommends python3-torch || {
    say "apt-get could not install python3-torch (is the Debian main archive in /etc/apt/sources.list?)."
    exit 1
  }
fi

if ! "$python" -c 'import torch' >/dev/null 2>&1; then
  say "python3-torch is installed but $python still cannot import torch: $("$python" -c 'import torch' 2>&1 | tail -1)"
  exit 1
fi

say "done: $python imports torch $("$python" -c 'import torch; print(torch.__version__)')."
