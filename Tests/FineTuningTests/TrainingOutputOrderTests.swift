import Foundation
import Testing

// The trainer and the program share one output path: with stdout a pipe (as for `> run.log`),
// the program's own `print` lines and the trainer's land in the order they were written.
@Suite struct TrainingOutputOrderTests {
    @Test func printLinesAndTrainerLinesKeepTheirOrderInAPipe() throws {
        // Built beside this test binary by `swift test` (an executable target of the package).
        let probe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("TrainerOutputProbe")
        try #require(FileManager.default.isExecutableFile(atPath: probe.path), "\(probe.path) is missing")
        let process = Process()
        process.executableURL = probe
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)

        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first == "before training", "\(lines)")
        #expect(lines.last == "after training", "\(lines)")
        #expect(lines.contains { $0.hasPrefix("step 2/2 |") }, "\(lines)")
    }
}
