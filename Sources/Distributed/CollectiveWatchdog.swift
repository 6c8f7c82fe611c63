import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Ends the process when one collective call waits longer than its timeout: a peer that died
/// or hangs would otherwise keep the others blocked in MPI forever. The process exits with
/// status 1 after a message on stderr; `mpirun` then ends the whole job.
///
/// One thread per process sleeps on a condition until the armed deadline; arming and disarming
/// cost a lock and a signal, nothing per element.
final class CollectiveWatchdog: @unchecked Sendable {
    /// The process's watchdog (started on first use).
    static let shared = CollectiveWatchdog()

    private let condition = NSCondition()
    // Guarded by `condition`.
    private var deadline: Date?
    private var message = ""

    private init() {
        let thread = Thread { [self] in watch() }
        thread.name = "Distributed.CollectiveWatchdog"
        thread.start()
    }

    /// Runs `body` (one blocking MPI call) with the process ending if it takes over `timeout`.
    func guarding<R>(_ operation: String, rank: Int, size: Int, timeout: Duration?, _ body: () throws -> R) rethrows -> R {
        guard let timeout else { return try body() }
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) * 1e-18
        condition.lock()
        deadline = Date(timeIntervalSinceNow: seconds)
        message = "Distributed: process \(rank) of \(size) waited \(Self.format(seconds)) s in \(operation) for the other "
            + "processes (Communicator.timeout); one of them has died or hangs. Ending the job.\n"
        condition.signal()
        condition.unlock()
        defer {
            condition.lock()
            deadline = nil
            condition.unlock()
        }
        return try body()
    }

    private func watch() {
        condition.lock()
        while true {
            guard let deadline else {
                condition.wait()
                continue
            }
            if Date() >= deadline {
                FileHandle.standardError.write(Data(message.utf8))
                // Not exit(): its handlers would call MPI_Finalize while the main thread is inside MPI.
                _exit(1)
            }
            _ = condition.wait(until: deadline)
        }
    }

    private static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(format: "%.1f", seconds)
    }
}
