#!/usr/bin/env bash
# Makes this machine able to load TorchSharp's native library.
#
# libLibTorchSharp.so (TorchSharp 0.107 / libtorch 2.10) needs GLIBCXX_3.4.32, i.e. the libstdc++ of GCC 13
# or newer. Debian 12 (bookworm) ships GCC 12's. Without it every TorchSharp call fails with the misleading
# "doesn't contain a reference to libtorch-cpu-linux-x64". The fix is Debian 13's (trixie) libstdc++6, taken
# from the same mirror the machine already uses and pinned low so nothing else is pulled from trixie.
#
# Idempotent: does nothing when the symbol is already present. Exits non-zero with a message naming the
# problem and the manual fix where it cannot do the job (not root, no apt, no mirror).
set -euo pipefail

need=GLIBCXX_3.4.32
say() { printf 'setup-native: %s\n' "$*" >&2; }

find_libstdcxx() {
  local candidate
  for candidate in /usr/lib/x86_64-linux-gnu/libstdc++.so.6 /usr/lib64/libstdc++.so.6 /usr/lib/libstdc++.so.6; do
    [ -e "$candidate" ] && { echo "$candidate"; return 0; }
  done
  ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 /{print $NF; exit}'
}

has_symbol() {
  local lib
  lib=$(find_libstdcxx) || true
  [ -n "$lib" ] && grep -qa "$need" "$lib"
}

if has_symbol; then
  say "libstdc++ already provides $need; nothing to do."
  exit 0
fi

if [ "$(uname -s)" != Linux ]; then
  say "not Linux: TorchSharp's native libraries for $(uname -s) do not need this step."
  exit 0
fi

fail() {
  say "ERROR: $*"
  say "TorchSharp needs a libstdc++ that provides $need (GCC 13 or newer)."
  say "Fix by hand: install libstdc++6 from Debian 13 (trixie) or newer, or run this script as root on Debian."
  exit 1
}

[ "$(id -u)" = 0 ] || fail "must run as root to install libstdc++6 (try: sudo $0)."
command -v apt-get >/dev/null || fail "apt-get not found; this script knows Debian only."

# Take the mirror URI from the machine's own apt sources, so we use the same mirror it already reaches.
mirror=""
for f in /etc/apt/sources.list.d/*.sources; do
  [ -e "$f" ] || continue
  mirror=$(awk '/^URIs:/{for(i=2;i<=NF;i++) if ($i ~ /\/debian\/?$/) {print $i; exit}}' "$f")
  [ -n "$mirror" ] && break
done
if [ -z "$mirror" ]; then
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -e "$f" ] || continue
    mirror=$(awk '$1=="deb" {for(i=2;i<=NF;i++) if ($i ~ /^https?:\/\/.*\/debian\/?$/) {print $i; exit}}' "$f")
    [ -n "$mirror" ] && break
  done
fi
[ -n "$mirror" ] || fail "no Debian mirror found under /etc/apt/sources.list.d/ or /etc/apt/sources.list."

keyring=/usr/share/keyrings/debian-archive-keyring.gpg
source_file=/etc/apt/sources.list.d/unetdsl-trixie.sources
pin_file=/etc/apt/preferences.d/unetdsl-trixie
say "adding Debian trixie from $mirror (pinned at priority 100) for libstdc++6"
{
  echo "Types: deb"
  echo "URIs: $mirror"
  echo "Suites: trixie"
  echo "Components: main"
  [ -e "$keyring" ] && echo "Signed-By: $keyring"
} > "$source_file"
cat > "$pin_file" <<PIN
Package: *
Pin: release n=trixie
Pin-Priority: 100
PIN

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || fail "apt-get update failed (is the mirror $mirror reachable?)."
apt-get install -y -qq -t trixie libstdc++6 >/dev/null || fail "apt-get install -t trixie libstdc++6 failed."

has_symbol || fail "libstdc++6 from trixie was installed but still lacks $need."
say "installed libstdc++6 from trixie; $need is now available."
