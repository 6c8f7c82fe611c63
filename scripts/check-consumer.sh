#!/usr/bin/env bash
# A project that uses only the libraries: a fresh package in a temporary folder that depends on
# this one by path and names TensorKit, Tokenizers and FineTuning. It must resolve no other
# package (the examples' swift-argument-parser, the DocC plugin, the benchmarks' packages stay
# out) and build.
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
swift build 2>&1 | tail -3
out="$("$(swift build --show-bin-path)/Consumer")"
[ "$out" = "54.0" ] || { echo "check-consumer: expected 54.0, got '$out'" >&2; exit 1; }
echo "check-consumer: a package using TensorKit, Tokenizers and FineTuning resolves nothing else and builds"
