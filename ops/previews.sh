#!/usr/bin/env bash
# Re-renders the certificate previews in docs/certificates/: each kind for the sample person, its
# untaxed year, and synthetic people showing a loss, separate taxation, several credits, a
# dependant's 非課税証明書 and a 納税証明書 with money not yet due. Issue date fixed so the
# previews only change when the pages do.
#   bash ops/previews.sh
set -euo pipefail
cd "$(dirname "$0")/.."

bash ops/deps.sh
cargo build --locked --quiet
export KOFU__CLOCK__FIXED_NOW=2025-11-04T10:00:00+09:00
out=docs/certificates
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
render() { # name kind year [extra args…]
  local name=$1 kind=$2 year=$3
  shift 3
  target/debug/kofu render --config ops/kofu.dev.toml --sample --kind "$kind" \
    --fiscal-year "$year" --out "$work/$name.pdf" "$@" >/dev/null
  pdftoppm -r 80 -png -singlefile "$work/$name.pdf" "$out/$name"
  echo "$out/$name.png"
}
render income income 2025
render taxation taxation 2025
render non-taxation taxation 2025 --untaxed
render income-and-taxation income-and-taxation 2025
render tax-payment tax-payment 2025
render loss taxation 2025 --shape loss
render separate-taxation income-and-taxation 2025 --shape separate
render credits taxation 2024 --shape credits
render dependant-non-taxation taxation 2025 --shape dependant
render tax-payment-not-yet-due tax-payment 2025 --shape not-yet-due
