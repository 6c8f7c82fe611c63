import Foundation
import Testing
import TensorKit

// A mistake in how an op is called stops the program with a message naming the op and the shapes,
// in release builds too (Sources/TensorKit/Precondition.swift). The module's own precondition
// prints "Fatal error: <message>"; Swift's would print "Precondition failed: <message>" in a
// debug build and no message at all under -O.
@Suite struct PreconditionMessageTests {
    @Test func preconditionFailureIsTheModulesOwn() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]).matmul(Tensor.zeros([4, 5]))
        }
        let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(stderr.contains("Fatal error: matmul: shapes [2, 3] and [4, 5] are not compatible"), "\(stderr)")
    }

    @Test func preconditionIsTheModulesOwn() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Generator(seed: 0).nextInt(below: 0)
        }
        let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(stderr.contains("Fatal error: Generator.nextInt: bound must be positive, got 0"), "\(stderr)")
    }

    /// What a user of `swift run -c release` sees: Tests/PreconditionProbe multiplies [2, 3] by
    /// [4, 5]. `make test` builds it in release mode before `swift test`.
    @Test func aReleaseBuildKeepsTheMessage() throws {
        let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let probe = testBinary.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("release/PreconditionProbe")
        try #require(FileManager.default.isExecutableFile(atPath: probe.path),
                     "\(probe.path) is missing: `make test` builds it (swift build -c release --product PreconditionProbe)")
        let process = Process()
        process.executableURL = probe
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"   // the message, not a symbolicated backtrace
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal || process.terminationStatus != 0)
        #expect(stderr.contains("matmul: shapes [2, 3] and [4, 5] are not compatible"), "stderr was: \(stderr)")
    }
}
