#!/usr/bin/env bash
# README's main job: installs and builds what is missing, then runs `stagecraft demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -d node_modules ]]; then
  echo "demo: installing dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund >/dev/null
fi
if [[ ! -f lib/index.js ]] || [[ -n "$(find lib bin -name '*.ts' ! -name '*.d.ts' -newer lib/index.js -print -quit)" ]]; then
  echo "demo: compiling" >&2
  npx projen compile >/dev/null
fi
exec node bin/stagecraft demo "$@"
