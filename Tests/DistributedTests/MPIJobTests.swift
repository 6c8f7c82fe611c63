import Foundation
import Testing

/// Runs `DistributedChecks` (built beside this test bundle) under `mpirun -np 2`: the
/// collectives, data-parallel parity with one process, and how a failing or hanging process
/// ends the job. Needs Open MPI (`make deps` installs it).
@Suite(.serialized) struct MPIJobTests {
    /// One finished `mpirun` job.
    struct Job {
        var status: Int32
        var output: String
        var errors: String
        var seconds: Double
    }

    /// `mpirun -np processes DistributedChecks arguments`, allowed as root and on fewer cores
    /// than processes; shared memory between the processes without the cross-memory attach
    /// that containers often forbid.
    func mpirun(_ arguments: [String], processes: Int = 2) throws -> Job {
        let launcher = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let mpirun = try #require(launcher, "mpirun is missing: run `make deps` (installs openmpi-bin and libopenmpi-dev)")
        let checks = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("DistributedChecks")
        try #require(FileManager.default.fileExists(atPath: checks.path), "\(checks.path) was not built")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: mpirun)
        process.arguments = ["--allow-run-as-root", "--oversubscribe", "--mca", "btl_vader_single_copy_mechanism", "none",
                             "-np", String(processes), checks.path] + arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let start = Date()
        try process.run()
        // Read both pipes while the job runs, so neither fills and blocks it.
        nonisolated(unsafe) var errorData = Data()
        let reader = Thread { errorData = errors.fileHandleForReading.readDataToEndOfFile() }
        reader.start()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !reader.isFinished { Thread.sleep(forTimeInterval: 0.01) }
        return Job(status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
                   errors: String(decoding: errorData, as: UTF8.self), seconds: Date().timeIntervalSince(start))
    }

    /// Odd sizes, strided views, float32 and float64, scalars, several gradient buckets, typed
    /// MPI errors and the parameter check, on both processes.
    @Test func collectives() throws {
        let job = try mpirun(["collectives"])
        #expect(job.status == 0, "\(job.errors)")
        #expect(job.output.components(separatedBy: "collectives: ok").count == 3, "\(job.output)")
    }

    /// 2 processes × batch 3 for 5 AdamW steps (paused and resumed) == 1 process × batch 6.
    @Test func dataParallelMatchesOneProcess() throws {
        let job = try mpirun(["parity"])
        #expect(job.status == 0, "\(job.errors)")
        #expect(job.output.components(separatedBy: "parity: ok").count == 3, "\(job.output)")
    }

    /// The step-time measurement (Documentation/Distributed.md's table; too slow in a debug
    /// build to run here) rejects an unknown workload with its usage, not a trap.
    @Test func stepTimeNamesItsWorkloads() throws {
        let unknown = try mpirun(["step-time", "no_such_workload", "1", "1"])
        #expect(unknown.status != 0)
        #expect(unknown.errors.contains("unknown step-time workload 'no_such_workload'; known: gpt_lora, gpt_full, minilm_lora_step, smollm2_lora_step"),
                "\(unknown.errors)")
    }

    /// A process that throws ends the job non-zero within seconds, its error on stderr.
    @Test func throwingProcessEndsTheJob() throws {
        let job = try mpirun(["throw"])
        #expect(job.status != 0)
        #expect(job.errors.contains("process 1 of 2 failed: deliberate failure on the last process"), "\(job.errors)")
        #expect(job.seconds < 30, "the job took \(job.seconds) s to end")
        #expect(!job.output.contains("barrier returned"))
    }

    /// A process that hangs makes the others' collective time out: the job ends with a message.
    @Test func hangingProcessEndsTheJobAfterTheTimeout() throws {
        let job = try mpirun(["hang"])
        #expect(job.status != 0)
        #expect(job.errors.contains("process 0 of 2 waited 2 s in MPI_Barrier"), "\(job.errors)")
        #expect(job.seconds < 30, "the job took \(job.seconds) s to end")
    }
}
