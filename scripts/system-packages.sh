#!/usr/bin/env bash
# Make sure the Debian packages the leaflets need are installed.
# Installs only what is missing (so a second run installs nothing); as root it runs apt-get itself,
# otherwise it prints the exact command and fails, because a build without these fonts would fall back
# to tofu boxes or Japanese glyph forms. chromium is for the browser tests (tests/test_browser.py), since
# Playwright cannot download a browser of its own here.
set -euo pipefail
packages=(fonts-noto-core fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 poppler-utils gettext chromium)
missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: missing system packages: ${missing[*]}; this machine has no apt-get, install them with your package manager." >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "error: missing system packages: ${missing[*]}" >&2
  echo "fix: run as root:  apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing system packages: ${missing[*]}"
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
