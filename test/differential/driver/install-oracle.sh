#!/usr/bin/env bash
# Installs what the differential oracle needs, once, and prints the directory to put on PYTHONPATH.
#
#   - Debian's python3 and Ganeti's Python dependencies, for /usr/bin/python3 (apt-get, as root,
#     only when an import fails);
#   - Ganeti 3.0's Python modules, from Debian's ganeti-3.0 package, unpacked into the git-ignored
#     cache (default .cache/ganeti-oracle/ at the repository root; GANETI_ORACLE_CACHE overrides).
#
# Ganeti's code is a test oracle only: it stays in the cache and is never committed. Safe to run
# concurrently (flock) and again (it does nothing when everything is there). Exit status 0 on
# success; otherwise 1 with the reason on stderr.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
cache="${GANETI_ORACLE_CACHE:-$root/.cache/ganeti-oracle}"
py=/usr/bin/python3
modules="bitarray, simplejson, pyparsing, OpenSSL, pyinotify, pycurl, psutil"
packages="python3 python3-bitarray python3-simplejson python3-pyparsing python3-openssl python3-pyinotify python3-pycurl python3-psutil"
ganeti="$cache/root/usr/share/ganeti/3.0"

mkdir -p "$cache"
exec 9>"$cache/.install.lock"
flock 9

apt_install() {
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "install-oracle: cannot install $packages (not root, or no apt-get)" >&2
    return 1
  fi
  # Try without refreshing the package lists first: on a machine that has them it is much faster.
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $packages >&2 ||
    { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $packages >&2; }
}

if ! [ -x "$py" ] || ! "$py" -c "import $modules" 2>/dev/null; then
  apt_install || exit 1
  "$py" -c "import $modules" || { echo "install-oracle: $py cannot import $modules" >&2; exit 1; }
fi

if ! [ -f "$ganeti/ganeti/locking.py" ]; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  # apt-get download needs no root; it writes into the current directory.
  (cd "$tmp" && { apt-get download ganeti-3.0 >&2 || { [ "$(id -u)" = 0 ] && apt-get update >&2 && apt-get download ganeti-3.0 >&2; }; }) ||
    { echo "install-oracle: apt-get download ganeti-3.0 failed" >&2; exit 1; }
  rm -rf "$cache/root"
  dpkg-deb -x "$tmp"/ganeti-3.0_*.deb "$cache/root"
  [ -f "$ganeti/ganeti/locking.py" ] || { echo "install-oracle: no ganeti/locking.py in the package" >&2; exit 1; }
fi

echo "$ganeti"
