#!/usr/bin/env bash
# Rebuilds the playground's editor bundle and its licence file, committed as package data:
#   dodo_transform/workbench/playground/static/editor.js, editor.LICENSES.txt
# Run by hand after changing editor.mjs or package.json (needs node and npm; nothing of this
# runs at install or run time). `npm ci` installs exactly what package-lock.json pins.
set -euo pipefail
cd "$(dirname "$0")"
out=../../dodo_transform/workbench/playground/static
mkdir -p "$out"
npm ci --no-audit --no-fund
npx esbuild editor.mjs --bundle --minify --format=iife --target=es2020 \
  --legal-comments=none --outfile="$out/editor.js"
node collect-licenses.mjs "$out/editor.LICENSES.txt"
echo "wrote $out/editor.js ($(wc -c <"$out/editor.js") bytes) and editor.LICENSES.txt"
