import Foundation
import Testing

/// One finished `mpirun` job of an example program: its exit status and everything it printed.
struct MPIJob {
    var status: Int32
    var output: String
}

/// Runs the example program `name` (built beside this test bundle) as `mpirun -np 2`, allowed as
/// root and on fewer cores than processes, with one BLAS thread per process; stdout and stderr
/// go to `log` (a file, so neither pipe can fill and block the job).
func mpirunTwoProcesses(_ name: String, _ arguments: [String], log: URL) throws -> MPIJob {
    let launcher = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first { FileManager.default.isExecutableFile(atPath: $0) }
    let mpirun = try #require(launcher, "mpirun is missing: run `make deps` (installs openmpi-bin and libopenmpi-dev)")
    let program = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        .appendingPathComponent(name)
    try #require(FileManager.default.fileExists(atPath: program.path), "\(program.path) was not built")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: mpirun)
    process.arguments = ["--allow-run-as-root", "--oversubscribe", "--mca", "btl_vader_single_copy_mechanism", "none",
                         "--mca", "mpi_yield_when_idle", "1", "-np", "2", program.path] + arguments
    var environment = ProcessInfo.processInfo.environment
    environment["OPENBLAS_NUM_THREADS"] = "1"
    process.environment = environment
    FileManager.default.createFile(atPath: log.path, contents: nil)
    let handle = try FileHandle(forWritingTo: log)
    process.standardOutput = handle
    process.standardError = handle
    try process.run()
    process.waitUntilExit()
    try handle.close()
    return MPIJob(status: process.terminationStatus, output: try String(contentsOf: log, encoding: .utf8))
}
