import Foundation
import Testing
import ExampleSupport

/// Command-line numbers and signals, as the example programs meet them.
@Suite struct ExampleReliabilityTests {
    @Test func countFlagsHaveRanges() {
        func message(_ change: (inout RunSettings) -> Void) -> String? {
            var settings = RunSettings()
            change(&settings)
            do { try settings.validate(); return nil } catch { return error.description }
        }
        #expect(message { _ in } == nil)
        #expect(message { $0.steps = .max }?.hasPrefix("--steps must be in 1...") == true)
        #expect(message { $0.epochs = .max }?.hasPrefix("--epochs must be in 1...") == true)
        #expect(message { $0.batchSize = .max }?.hasPrefix("--batch-size must be in 1...") == true)
        #expect(message { $0.loraRank = 100_000_000 }?.hasPrefix("--rank must be in 1...") == true)
        #expect(message { $0.topBlocks = -1 }?.hasPrefix("--top-blocks must be in 0...") == true)
        #expect(message { $0.loraAlpha = .infinity }?.hasPrefix("--alpha must be positive") == true)
        #expect(message { $0.epochs = RunSettings.limits.epochs } == nil)
        #expect(message { $0.loraRank = RunSettings.limits.loraRank } == nil)
    }

    /// A SIGTERM to the parent reaches the child, and the parent then ends by that signal
    /// (rather than waiting out the child's 30 seconds). The body runs on a pool thread that
    /// blocks signals, which the child must not inherit.
    @Test func signalsReachTheChild() async {
        await #expect(processExitsWith: .signal(SIGTERM)) {
            Thread.detachNewThread {
                Thread.sleep(forTimeInterval: 0.5)
                kill(getpid(), SIGTERM)
            }
            Thread.detachNewThread {
                Thread.sleep(forTimeInterval: 10)
                exit(3)   // the child was not stopped
            }
            _ = try? ChildProcess.run(URL(fileURLWithPath: "/bin/sleep"), arguments: ["30"])
            exit(4)   // returned instead of ending by the signal
        }
    }

    @Test func childStatusIsReturned() throws {
        #expect(try ChildProcess.run(URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", "exit 7"]) == 7)
        #expect(try ChildProcess.run(URL(fileURLWithPath: "/bin/true"), arguments: []) == 0)
    }
}
