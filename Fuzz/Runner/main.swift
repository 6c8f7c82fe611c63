// fuzz: mutation fuzzing of every external input the library reads (see FuzzTarget).
//
//   swift run -c release fuzz run [--seconds 60] [--targets gguf,config-json] [--seed 1]
//   swift run -c release fuzz replay          # the committed corpus, in this process
//
// `run` mutates each target's seeds (Fuzz/corpus/<target>/) and feeds batches of inputs to a
// child process (`fuzz exec`), which reports each case before running it; a child that dies
// (a trap), stops reporting for 20 s (a hang) or passes its 4 GiB address-space limit (a memory
// blowup) names the input, which is saved to Fuzz/crashes/<target>/. Prints cases, crashes and
// hangs per target; exits 1 when any was found.
import Foundation
import FuzzTargets
#if canImport(Glibc)
import Glibc
#endif

let arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String) -> String? {
    arguments.firstIndex(of: "--" + name).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
}
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("fuzz: \(message)\n".utf8))
    exit(2)
}

switch arguments.first {
case "exec":
    // Child: run the inputs of a batch folder in order, announcing each.
    guard arguments.count == 4, let target = FuzzTarget.named(arguments[1]), let start = Int(arguments[3]) else {
        fail("usage: fuzz exec TARGET BATCH_DIR FIRST")
    }
    var limit = rlimit(rlim_cur: 4 << 30, rlim_max: 4 << 30)
    _ = setrlimit(Int32(RLIMIT_AS.rawValue), &limit)
    let folder = URL(fileURLWithPath: arguments[2])
    let count = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).count
    for index in start..<count {
        print("case \(index)")
        fflush(nil)
        let data = (try? Data(contentsOf: folder.appendingPathComponent("\(index)"))) ?? Data()
        _ = try? target.run(data)
    }
    print("done")
case "replay":
    var total = 0
    for target in FuzzTarget.all {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: target.corpus.path)) ?? []).sorted()
        for name in names {
            _ = try? target.run(Data(contentsOf: target.corpus.appendingPathComponent(name)))
            total += 1
        }
        print("replay \(target.name): \(names.count) inputs")
    }
    print("replay: \(total) inputs, no crash")
case "run":
    let seconds = Double(option("seconds") ?? "60") ?? -1
    guard seconds > 0, seconds <= 86_400 else { fail("--seconds must be in (0, 86400]") }
    let seed = UInt64(option("seed") ?? "1") ?? 1
    let names = option("targets")?.split(separator: ",").map(String.init) ?? FuzzTarget.all.map(\.name)
    let targets = names.map { name -> FuzzTarget in
        guard let target = FuzzTarget.named(name) else { fail("unknown target '\(name)'; known: \(FuzzTarget.all.map(\.name))") }
        return target
    }
    var found = 0
    for target in targets {
        let report = try FuzzRunner(target: target, seed: seed, seconds: seconds).run()
        print("fuzz \(target.name): \(report.cases) cases in \(Int(seconds)) s, \(report.crashes) crashes, \(report.hangs) hangs")
        fflush(nil)
        found += report.crashes + report.hangs
    }
    exit(found == 0 ? 0 : 1)
default:
    fail("usage: fuzz run [--seconds N] [--targets a,b] [--seed S] | fuzz replay")
}
