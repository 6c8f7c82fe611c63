import Foundation
import TensorKit

/// What ``Module/load(stateDict:strict:)`` found wrong, by parameter name.
public struct StateDictError: Error, CustomStringConvertible, Equatable {
    /// Parameters of the module absent from the state dict.
    public var missing: [String]
    /// Entries of the state dict that match no parameter.
    public var unexpected: [String]
    /// Entries whose shape differs: name, expected (module) and found (state dict) shapes.
    public var mismatched: [Mismatch]

    /// A shape disagreement for one name.
    public struct Mismatch: Equatable, Sendable {
        /// The parameter path.
        public var name: String
        /// The module parameter's shape.
        public var expected: [Int]
        /// The state dict entry's shape.
        public var found: [Int]
    }

    /// Whether nothing was wrong.
    public var isEmpty: Bool { missing.isEmpty && unexpected.isEmpty && mismatched.isEmpty }

    public var description: String {
        var lines = ["state dict does not match the module:"]
        if !missing.isEmpty { lines.append("  missing keys: \(missing.joined(separator: ", "))") }
        if !unexpected.isEmpty { lines.append("  unexpected keys: \(unexpected.joined(separator: ", "))") }
        for m in mismatched { lines.append("  \(m.name): expected shape \(m.expected), found \(m.found)") }
        return lines.joined(separator: "\n")
    }
}

extension Module {
    /// Every parameter by path (the tensors themselves, not copies).
    public func stateDict() -> [String: Tensor] {
        Dictionary(namedParameters().map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first })
    }

    /// Copies values from `stateDict` into this module's parameters in place (so optimizers and
    /// tied weights keep seeing the same tensors), converting dtypes (e.g. float16 files).
    ///
    /// - Parameters:
    ///   - stateDict: tensors by parameter path, as ``Module/stateDict()`` returns them.
    ///   - strict: when true, any missing, unexpected or mis-shaped key throws a
    ///     ``StateDictError`` and nothing is loaded. When false, matching entries load and the
    ///     report of the rest is returned.
    @discardableResult
    public func load(stateDict: [String: Tensor], strict: Bool = true) throws -> StateDictError {
        let own = namedParameters()
        var report = StateDictError(missing: [], unexpected: [], mismatched: [])
        let ownNames = Set(own.map(\.name))
        report.unexpected = stateDict.keys.filter { !ownNames.contains($0) }.sorted()
        var matched: [(Tensor, Tensor)] = []
        for (name, parameter) in own {
            guard let source = stateDict[name] else { report.missing.append(name); continue }
            guard source.shape == parameter.shape else {
                report.mismatched.append(.init(name: name, expected: parameter.shape, found: source.shape))
                continue
            }
            matched.append((parameter, source))
        }
        if strict && !report.isEmpty { throw report }
        withGradientsDisabled {
            for (parameter, source) in matched { parameter.assign(source.cast(to: parameter.dtype)) }
        }
        return report
    }
}

extension Module {
    /// Writes every parameter to a safetensors file (atomically: a temporary file renamed into
    /// place), named by property path.
    ///
    /// ```swift
    /// try model.save(to: URL(fileURLWithPath: "model.safetensors"))
    /// try other.load(contentsOf: URL(fileURLWithPath: "model.safetensors"))
    /// ```
    public func save(to url: URL, metadata: [String: String]? = nil) throws {
        try SafeTensors.save(stateDict(), metadata: metadata, to: url)
    }

    /// Loads parameters from a safetensors file written by ``save(to:metadata:)`` (or any file
    /// with the same names), with the checks of ``load(stateDict:strict:)``.
    @discardableResult
    public func load(contentsOf url: URL, strict: Bool = true) throws -> StateDictError {
        try load(stateDict: SafeTensors.load(contentsOf: url), strict: strict)
    }
}
