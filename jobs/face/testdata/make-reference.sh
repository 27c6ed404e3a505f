#!/usr/bin/env bash
# Regenerates reference.json: TensorFlow.js outputs of the face models for a
# synthetic input, and descriptors.json for the candidate descriptors when
# make face-descriptors has fetched them. Needs node, npm and the models
# (scripts/fetch-face-models.sh).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
models="${1:-$here/../models}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cp "$here/reference.mjs" "$tmp/"
(cd "$tmp" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund @tensorflow/tfjs@4.22.0 >/dev/null)
if [ -f "$here/descriptors/mobileface.json" ]; then
	node "$tmp/reference.mjs" "$(cd "$models" && pwd)" "$here/reference.json" "$here/descriptors" "$here/descriptors.json"
else
	node "$tmp/reference.mjs" "$(cd "$models" && pwd)" "$here/reference.json"
fi
