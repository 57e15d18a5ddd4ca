#!/usr/bin/env bash
# Rewrites test/golden/acme-shop from the example. Run it on purpose, then review the diff like code:
# the tests never update golden files by themselves.
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p tsconfig.json
rm -rf test/golden/acme-shop
(cd examples/acme-shop && node ../../bin/stagecraft synth --out ../../test/golden/acme-shop)
git status --short test/golden
