#!/usr/bin/env bash
# Installs what kofu needs on a Debian machine, only what is missing: PostgreSQL server, the
# Japanese fonts the certificates embed, and the PDF tools the tests check with.
set -euo pipefail

packages=(postgresql fonts-ipaexfont-mincho fonts-ipamj-mincho poppler-utils qpdf mupdf-tools)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "need root to apt-get install ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v cargo >/dev/null || { echo "cargo is missing: install Rust (rustup) first" >&2; exit 1; }
