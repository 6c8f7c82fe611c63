import Foundation

/// What the launcher told this process through its environment, read without starting MPI: a
/// program can decide whether to train data-parallel before it touches MPI.
///
/// ```swift
/// if MPILaunch.current != nil {   // started by mpirun
///     let world = try Communicator.world()
///     trainer.dataParallel = DataParallel(world)
/// }
/// ```
public struct MPILaunch: Sendable, Equatable {
    /// This process's rank in the job.
    public var rank: Int
    /// The number of processes in the job.
    public var size: Int

    /// The launch this process is part of, when `mpirun`/`mpiexec` (Open MPI's
    /// `OMPI_COMM_WORLD_*`, or the PMI variables of MPICH's Hydra and Slurm) started it; nil
    /// when it was started on its own.
    public static var current: MPILaunch? { MPILaunch(environment: ProcessInfo.processInfo.environment) }

    /// Process `rank` of `size`.
    public init(rank: Int, size: Int) {
        self.rank = rank
        self.size = size
    }

    /// The launch described by `environment`, if any.
    public init?(environment: [String: String]) {
        for (rankKey, sizeKey) in [("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"), ("PMI_RANK", "PMI_SIZE")] {
            if let size = environment[sizeKey].flatMap(Int.init), size > 0,
               let rank = environment[rankKey].flatMap(Int.init), (0..<size).contains(rank) {
                self.rank = rank
                self.size = size
                return
            }
        }
        return nil
    }
}
