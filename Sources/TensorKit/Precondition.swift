// Programmer-error checks whose message survives optimized builds.
//
// `precondition` and `preconditionFailure` below shadow the standard library's for every
// unqualified call inside this module and in the package's modules that import it (FineTuning,
// Retrieval, Distributed, ...: a module's declarations win over those of the modules it
// imports, here the standard library), so call sites stay plain Swift. They have `package`
// access on purpose: users' code, outside this package, keeps Swift's.

/// Stops the program with `message` when `condition` is false, in debug and release builds alike.
///
/// The standard library's `precondition` drops its message under `-O`, leaving a user of a
/// release build with `Swift runtime failure: precondition failure` and a backtrace instead of
/// `matmul: shapes [2, 3] and [4, 5] are not compatible`. This one evaluates the condition
/// exactly as before; the message stays an unevaluated closure on the unlikely branch, which
/// calls one out-of-line function, so the checking function's hot code does not grow.
@inlinable @inline(__always)
package func precondition(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String = String(),
    file: StaticString = #file, line: UInt = #line
) {
    if _slowPath(!condition()) { stopWithProgrammerError(message, file: file, line: line) }
}

/// Stops the program with `message`, in debug and release builds alike (see `precondition`).
@inlinable @inline(__always)
package func preconditionFailure(
    _ message: @autoclosure () -> String = String(), file: StaticString = #file, line: UInt = #line
) -> Never {
    stopWithProgrammerError(message, file: file, line: line)
}

/// The cold path of both: `fatalError` prints its message at every optimization level except
/// `-Ounchecked`.
@usableFromInline @inline(never)
package func stopWithProgrammerError(_ message: () -> String, file: StaticString, line: UInt) -> Never {
    fatalError(message(), file: file, line: line)
}
