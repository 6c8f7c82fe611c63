import Foundation
import Testing
@testable import TensorKit

/// Expects `tensor` to have `shape` and values within `tolerance` (absolute + relative) of `expected`.
func expectClose(_ tensor: Tensor, _ expected: [Double], shape: [Int]? = nil, tolerance: Double = 1e-6,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    if let shape { #expect(tensor.shape == shape, sourceLocation: sourceLocation) }
    let actual = tensor.scalars(as: Double.self)
    #expect(actual.count == expected.count, "count \(actual.count) != \(expected.count)", sourceLocation: sourceLocation)
    for (i, (a, e)) in zip(actual, expected).enumerated() {
        let ok = Swift.abs(a - e) <= tolerance * (1 + Swift.abs(e)) || (a.isNaN && e.isNaN) || a == e
        #expect(ok, "element \(i): \(a) vs expected \(e)", sourceLocation: sourceLocation)
        if !ok { return }
    }
}

/// Expects gradcheck to pass, printing the worst element when it does not.
func expectGradcheck(_ inputs: [Tensor], sourceLocation: SourceLocation = #_sourceLocation,
                     _ function: ([Tensor]) -> Tensor) {
    let result = gradcheck(function, inputs: inputs)
    #expect(result.passed, "\(result)", sourceLocation: sourceLocation)
}

/// Deterministic float64 test input.
func randomTensor(_ shape: [Int], seed: UInt64 = 7, dtype: DType = .float64, low: Double = -1, high: Double = 1) -> Tensor {
    Tensor.uniform(shape, low: low, high: high, dtype: dtype, generator: Generator(seed: seed))
}

/// Loads a committed fixture file (JSON) from Tests/Fixtures.
func fixtureURL(_ name: String) -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent(name)
}
