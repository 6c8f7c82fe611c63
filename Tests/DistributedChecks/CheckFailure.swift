/// A check that did not hold (ends the job through `Communicator.abortingOnError`).
struct CheckFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Throws `CheckFailure(message())` unless `condition`.
func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw CheckFailure(message()) }
}

/// The largest absolute difference between two equally long arrays.
func maxDifference(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count, "maxDifference: \(a.count) vs \(b.count) values")
    return zip(a, b).reduce(0) { Swift.max($0, abs($1.0 - $1.1)) }
}
