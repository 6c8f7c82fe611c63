#!/usr/bin/env bash
# Builds a throwaway package that uses only the core products (TensorKit, Tokenizers,
# FineTuning) of this package, with pkg-config unable to find Open MPI, and fails if any part of
# MPI (the CMPI or Distributed targets, mpi.h, -lmpi) takes part in its build. Debian keeps
# mpi.h outside the default include path, so a build that needed it would also fail to compile.
#
# Usage: scripts/check-consumer-mpi-free.sh   (a debug build of the core libraries: minutes)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/Sources/Consumer"
cat > "$work/Package.swift" <<MANIFEST
// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Consumer",
    dependencies: [.package(path: "$root")],
    targets: [
        .executableTarget(name: "Consumer", dependencies: [
            .product(name: "TensorKit", package: "$(basename "$root")"),
            .product(name: "Tokenizers", package: "$(basename "$root")"),
            .product(name: "FineTuning", package: "$(basename "$root")"),
        ]),
    ]
)
MANIFEST
cat > "$work/Sources/Consumer/main.swift" <<'SOURCE'
import FineTuning

let layer = Linear(4, 2)
print("consumer:", layer(Tensor.ones([1, 4])).shape)
SOURCE
export PKG_CONFIG_PATH="" PKG_CONFIG_LIBDIR="$work/no-pkg-config"
log="$work/build.log"
if ! (cd "$work" && swift build -v >"$log" 2>&1); then
    tail -40 "$log"
    echo "check-consumer-mpi-free: the consumer did not build" >&2
    exit 1
fi
if grep -E -- '-lmpi\b|openmpi|/CMPI|Distributed\.build|-module-name Distributed' "$log" >/dev/null; then
    grep -E -- '-lmpi\b|openmpi|/CMPI|Distributed\.build|-module-name Distributed' "$log" | head -5 >&2
    echo "check-consumer-mpi-free: MPI took part in a build that uses only the core products" >&2
    exit 1
fi
"$work/.build/debug/Consumer"
echo "check-consumer-mpi-free: ok (TensorKit, Tokenizers and FineTuning built and linked without MPI)"
