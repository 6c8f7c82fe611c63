#!/usr/bin/env bash
# A project that uses only the core libraries: a fresh package in a temporary folder that depends
# on this one by path and names TensorKit, Tokenizers and FineTuning. It must resolve no other
# package (the examples' swift-argument-parser, the DocC plugin, the benchmarks' packages stay
# out), and build and run with pkg-config unable to find Open MPI and with no part of MPI or FAISS
# (CMPI, Distributed, CFAISSShim, RetrievalFAISS, -lmpi, -lfaiss) taking part in its build.
# Debian keeps mpi.h outside the default include path, so a build that needed it would also fail.
#
# Usage: scripts/check-consumer.sh   (`make consumer-check`; a debug build of the core libraries)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/Sources/Consumer"
cat > "$work/Package.swift" <<SWIFT
// swift-tools-version: 6.0
import PackageDescription
let package = Package(
    name: "Consumer",
    dependencies: [.package(name: "SwiftFineTuning", path: "$root")],
    targets: [.executableTarget(name: "Consumer", dependencies: [
        .product(name: "TensorKit", package: "SwiftFineTuning"),
        .product(name: "Tokenizers", package: "SwiftFineTuning"),
        .product(name: "FineTuning", package: "SwiftFineTuning"),
    ])]
)
SWIFT
cat > "$work/Sources/Consumer/main.swift" <<'SWIFT'
import FineTuning
let x = Tensor([1, 2, 3, 4] as [Float], shape: [2, 2])
print((x.matmul(x)).sum().item(as: Float.self))
SWIFT
cd "$work"
swift package resolve
if [ -f Package.resolved ] && grep -q '"identity"' Package.resolved; then
  echo "check-consumer: a library user resolves other packages:" >&2
  grep '"identity"' Package.resolved >&2
  exit 1
fi
export PKG_CONFIG_PATH="" PKG_CONFIG_LIBDIR="$work/no-pkg-config"
if ! swift build -v > build.log 2>&1; then
  tail -40 build.log
  echo "check-consumer: the consumer did not build" >&2
  exit 1
fi
pattern='-lmpi\b|openmpi|/CMPI|Distributed\.build|-module-name Distributed|-lfaiss|CFAISSShim|RetrievalFAISS'
if grep -E -- "$pattern" build.log > /dev/null; then
  grep -E -- "$pattern" build.log | head -5 >&2
  echo "check-consumer: MPI or FAISS took part in a build that uses only the core products" >&2
  exit 1
fi
out="$("$(swift build --show-bin-path)/Consumer")"
[ "$out" = "54.0" ] || { echo "check-consumer: expected 54.0, got '$out'" >&2; exit 1; }
echo "check-consumer: TensorKit, Tokenizers and FineTuning resolve nothing else and build and run without MPI or FAISS"
