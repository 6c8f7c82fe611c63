import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Shows training progress on stdout: a bar redrawn in place when stdout is a terminal, plain
/// lines (one per logging step) otherwise, so logs redirected to a file stay readable.
final class ProgressReporter {
    enum Mode { case bar, lines, silent }

    let mode: Mode
    let totalSteps: Int
    private let startStep: Int
    private let start = Date()
    private var barShown = false
    private let write: (String) -> Void

    init(style: ProgressStyle, totalSteps: Int, startStep: Int, write: @escaping (String) -> Void = ProgressReporter.standardOutput) {
        switch style {
        case .automatic: mode = isatty(STDOUT_FILENO) != 0 ? .bar : .lines
        case .bar: mode = .bar
        case .lines: mode = .lines
        case .silent: mode = .silent
        }
        self.totalSteps = totalSteps
        self.startStep = startStep
        self.write = write
    }

    /// Writes through `print`, the buffer the program's own lines go to, then flushes it: in a
    /// pipe or a log file the trainer's lines and the program's land in the order they were
    /// written (writing to the file descriptor directly would overtake what `print` still holds),
    /// and a log being followed, or a bar redrawn without a newline, shows up at once.
    static func standardOutput(_ text: String) {
        print(text, terminator: "")
        fflush(nil)   // every C stream, `stdout` among them (Swift 6 cannot name the `stdout` global)
    }

    func banner(_ lines: [String]) {
        guard mode != .silent else { return }
        write(lines.joined(separator: "\n") + "\n")
    }

    /// Redraws the bar after every step (bar mode only).
    func update(step: Int, epoch: Double, loss: Double, learningRate: Double, tokensPerSecond: Double) {
        guard mode == .bar else { return }
        let fraction = totalSteps == 0 ? 1 : Double(step) / Double(totalSteps)
        let width = 24
        let filled = Int((fraction * Double(width)).rounded(.down))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let text = "\r\u{1B}[K\(bar) \(step)/\(totalSteps) [\(Self.duration(elapsed)) < \(Self.duration(eta(step)))] " +
            "loss \(Self.number(loss)) lr \(Self.scientific(learningRate)) \(Self.rate(tokensPerSecond)) tok/s"
        write(text)
        barShown = true
    }

    /// One plain line per logging step (lines mode only).
    func line(step: Int, epoch: Double, loss: Double, learningRate: Double, tokensPerSecond: Double) {
        guard mode == .lines else { return }
        write("step \(step)/\(totalSteps) | epoch \(String(format: "%.2f", epoch)) | loss \(Self.number(loss)) | " +
              "lr \(Self.scientific(learningRate)) | \(Self.rate(tokensPerSecond)) tok/s | eta \(Self.duration(eta(step)))\n")
    }

    func evaluation(step: Int, values: [String: Double]) {
        guard mode != .silent else { return }
        let parts = values.keys.sorted().map { "\($0) \(Self.number(values[$0]!))" }
        endBar()
        write("eval @ step \(step): \(parts.joined(separator: " | "))\n")
    }

    func message(_ text: String) {
        guard mode != .silent else { return }
        endBar()
        write(text + "\n")
    }

    func finish() { endBar() }

    private func endBar() {
        if barShown { write("\n"); barShown = false }
    }

    private var elapsed: Double { Date().timeIntervalSince(start) }

    private func eta(_ step: Int) -> Double {
        let done = step - startStep
        guard done > 0 else { return 0 }
        return elapsed / Double(done) * Double(Swift.max(0, totalSteps - step))
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%02d:%02d", s / 60, s % 60)
    }

    static func number(_ value: Double) -> String { String(format: "%.4f", value) }
    static func scientific(_ value: Double) -> String { String(format: "%.2e", value) }
    static func rate(_ value: Double) -> String { value >= 1000 ? String(format: "%.1fk", value / 1000) : String(format: "%.0f", value) }
}
