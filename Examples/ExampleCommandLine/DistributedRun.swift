import ArgumentParser
import Distributed
import ExampleSupport
import Foundation

/// `--distributed`: data-parallel training over the processes `mpirun` started.
public struct DistributedOptions: ParsableArguments {
    @Flag(help: "Data-parallel training over the processes of `mpirun -np N` (each trains on its share of every batch of --batch-size examples; process 0 writes the files and the report). On by itself when mpirun started the program. PyTorch: torchrun + DistributedDataParallel.")
    public var distributed = false

    /// The defaults (for `@OptionGroup`).
    public init() {}

    /// Whether this process is one of a data-parallel job: asked for, or started by mpirun.
    public var isRequested: Bool { distributed || MPILaunch.current != nil }

    /// Whether this process prints the program's own lines: alone, or process 0 of the job.
    public var isReportingProcess: Bool { (MPILaunch.current?.rank ?? 0) == 0 }
}

extension FineTuneRun {
    /// Runs on this process alone, or — when `distributed` — as one process of a data-parallel
    /// job on MPI: every process trains on its share of each batch; process 0 alone logs, tests,
    /// writes and gets the result (the others get nil). An error on any process ends the job.
    public func run(distributed: Bool) throws -> RunResult? {
        guard distributed else { return try run() }
        let world = try Communicator.world()
        var run = self
        run.dataParallel = DataParallel(world)
        if world.rank != 0 { run.log = { _ in } }
        let result = world.abortingOnError { try run.run() }
        return world.rank == 0 ? result : nil
    }
}
