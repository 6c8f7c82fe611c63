import CMPI
import Foundation

/// A group of processes that talk through MPI: the job's processes (``world(timeout:)``),
/// each knowing its ``rank`` among ``size``.
///
/// Collectives (``barrier()``, broadcasts, all-reduces, all-gathers) must be called by every
/// process of the group in the same order; each blocks until all have joined. MPI errors are
/// returned (`MPI_ERRORS_RETURN`) and thrown as ``DistributedError/mpi(operation:code:message:)``;
/// a collective that waits longer than ``timeout`` ends the job (a peer died or hangs).
///
/// ```swift
/// let world = try Communicator.world()
/// let loss = try world.allReduce(localLoss, .average)
/// if world.rank == 0 { print("loss", loss) }
/// ```
///
/// Run programs under `mpirun -np N program`; started alone, a program is a job of one process.
public final class Communicator {
    /// The MPI handle.
    let handle: MPI_Comm
    /// This process's index in the group, `0..<size`.
    public let rank: Int
    /// The number of processes in the group.
    public let size: Int
    /// The longest one collective may wait for the other processes before this process prints
    /// why on stderr and exits with status 1 (which makes `mpirun` end the job); nil waits
    /// forever. Set it above the longest time one process can work alone between two collectives
    /// (process 0 writing a checkpoint, say).
    public var timeout: Duration?

    private init(handle: MPI_Comm, timeout: Duration?) throws {
        self.handle = handle
        self.timeout = timeout
        var rank: Int32 = 0, size: Int32 = 0
        try Self.check(MPI_Comm_rank(handle, &rank), "MPI_Comm_rank")
        try Self.check(MPI_Comm_size(handle, &size), "MPI_Comm_size")
        self.rank = Int(rank)
        self.size = Int(size)
    }

    /// All the processes of the job (`MPI_COMM_WORLD`), starting MPI on first use (it is
    /// finalised when the process exits).
    ///
    /// - Parameter timeout: the initial ``timeout`` (5 minutes).
    public static func world(timeout: Duration? = .seconds(300)) throws -> Communicator {
        try initializeMPI()
        let world = cmpi_comm_world()
        try check(MPI_Comm_set_errhandler(world, cmpi_errors_return()), "MPI_Comm_set_errhandler")
        return try Communicator(handle: world, timeout: timeout)
    }

    /// Starts MPI once per process. Only the thread that started it calls MPI (`FUNNELED`);
    /// our kernels' worker threads never do.
    private static func initializeMPI() throws {
        var started: Int32 = 0
        MPI_Initialized(&started)
        guard started == 0 else { return }
        var provided: Int32 = 0
        try check(MPI_Init_thread(nil, nil, Int32(MPI_THREAD_FUNNELED), &provided), "MPI_Init_thread")
        atexit {
            var finished: Int32 = 0
            MPI_Finalized(&finished)
            if finished == 0 { MPI_Finalize() }
        }
    }

    /// Waits until every process of the group has called it.
    public func barrier() throws {
        try collective("MPI_Barrier") { MPI_Barrier(handle) }
    }

    /// Ends the whole job now (`MPI_Abort`) after printing `error` on stderr with this
    /// process's rank: the other processes would otherwise wait for this one.
    public func abort(because error: any Error, status: Int32 = 1) -> Never {
        FileHandle.standardError.write(Data("Distributed: process \(rank) of \(size) failed: \(error)\n".utf8))
        MPI_Abort(handle, status)
        exit(status)
    }

    /// Runs `body`; an error it throws ends the whole job (``abort(because:status:)``) instead
    /// of leaving the other processes waiting in their next collective.
    public func abortingOnError<R>(_ body: () throws -> R) -> R {
        do {
            return try body()
        } catch {
            abort(because: error)
        }
    }

    /// Runs one blocking MPI call under the watchdog and turns its error code into a thrown error.
    func collective(_ operation: String, _ call: () -> Int32) throws {
        let code = CollectiveWatchdog.shared.guarding(operation, rank: rank, size: size, timeout: timeout, call)
        try Self.check(code, operation)
    }

    /// Throws ``DistributedError/mpi(operation:code:message:)`` with MPI's text for `code`
    /// unless it is `MPI_SUCCESS`.
    static func check(_ code: Int32, _ operation: String) throws {
        guard code != MPI_SUCCESS else { return }
        var text = [CChar](repeating: 0, count: Int(cmpi_max_error_string()) + 1)
        var length: Int32 = 0
        let message = MPI_Error_string(code, &text, &length) == MPI_SUCCESS
            ? String(decoding: text.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            : "unknown error"
        throw DistributedError.mpi(operation: operation, code: code, message: message)
    }
}

@available(*, unavailable, message: "MPI is called from the thread that started it only")
extension Communicator: Sendable {}
