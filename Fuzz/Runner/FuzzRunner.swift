import Foundation
import FuzzTargets
#if canImport(Glibc)
import Glibc
#endif

/// Runs one target for a while: batches of mutated inputs through child processes.
struct FuzzRunner {
    let target: FuzzTarget
    let seed: UInt64
    let seconds: Double
    /// Inputs per child process (a child's start-up costs more than most inputs).
    let batchSize = 200
    /// A case that reports nothing for this long is a hang.
    let hangSeconds = 20.0

    struct Report { var cases = 0, crashes = 0, hangs = 0 }

    func run() throws -> Report {
        let seeds = ((try? FileManager.default.contentsOfDirectory(atPath: target.corpus.path)) ?? []).sorted()
            .compactMap { try? Data(contentsOf: target.corpus.appendingPathComponent($0)) }
        guard !seeds.isEmpty else { throw FuzzError("no seeds in \(target.corpus.path)") }
        var mutator = Mutator(seed: seed ^ target.name.utf8.reduce(0xCBF2_9CE4_8422_2325 as UInt64) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 })
        var report = Report()
        let deadline = Date().addingTimeInterval(seconds)
        let batch = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-batch-\(getpid())")
        defer { try? FileManager.default.removeItem(at: batch) }
        while Date() < deadline {
            try? FileManager.default.removeItem(at: batch)
            try FileManager.default.createDirectory(at: batch, withIntermediateDirectories: true)
            for index in 0..<batchSize { try mutator.mutate(seeds).write(to: batch.appendingPathComponent("\(index)")) }
            var first = 0
            while first < batchSize && Date() < deadline {
                let outcome = try runChild(batch: batch, from: first, deadline: deadline)
                report.cases += Swift.max(0, outcome.lastStarted - first + 1)
                switch outcome.kind {
                case .finished, .outOfTime: first = batchSize
                case .crashed, .hung:
                    if outcome.kind == .crashed { report.crashes += 1 } else { report.hangs += 1 }
                    try save(batch.appendingPathComponent("\(outcome.lastStarted)"), kind: outcome.kind)
                    first = outcome.lastStarted + 1
                }
            }
        }
        return report
    }

    enum Kind { case finished, crashed, hung, outOfTime }

    /// Runs inputs `from...` of the batch in a child; returns how it ended and the last case it began.
    private func runChild(batch: URL, from first: Int, deadline: Date) throws -> (kind: Kind, lastStarted: Int) {
        let progress = batch.appendingPathExtension("progress")
        _ = FileManager.default.createFile(atPath: progress.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = ["exec", target.name, batch.path, "\(first)"]
        process.standardOutput = try FileHandle(forWritingTo: progress)
        process.standardError = FileHandle.nullDevice
        try process.run()
        var last = first - 1, lastChange = Date()
        func readProgress() -> (Int, Bool) {
            let text = (try? String(contentsOf: progress, encoding: .utf8)) ?? ""
            let lines = text.split(separator: "\n")
            let index = lines.last { $0.hasPrefix("case ") }.flatMap { Int($0.dropFirst(5)) } ?? first - 1
            return (index, lines.last == "done")
        }
        while process.isRunning {
            usleep(50_000)
            let (index, _) = readProgress()
            if index != last { last = index; lastChange = Date() }
            if Date().timeIntervalSince(lastChange) > hangSeconds {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                return (.hung, last)
            }
            if Date() > deadline.addingTimeInterval(hangSeconds) {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                return (.outOfTime, last)
            }
        }
        let (index, done) = readProgress()
        if done && process.terminationReason == .exit && process.terminationStatus == 0 { return (.finished, batchSize - 1) }
        return (.crashed, Swift.max(index, first))
    }

    private func save(_ input: URL, kind: Kind) throws {
        let folder = target.corpus.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("crashes/\(target.name)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let data = try Data(contentsOf: input)
        let name = "\(kind == .hung ? "hang" : "crash")-\(String(UInt64(bitPattern: Int64(data.hashValue)), radix: 16))"
        try data.write(to: folder.appendingPathComponent(name))
        FileHandle.standardError.write(Data("fuzz \(target.name): \(kind) on \(folder.path)/\(name)\n".utf8))
    }
}

struct FuzzError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
