import Distributed
import Foundation

/// The last process throws while the others wait in a barrier: the job must end non-zero
/// within seconds, the error on stderr.
func throwOnLastRank(_ world: Communicator) throws {
    if world.rank == world.size - 1 {
        Thread.sleep(forTimeInterval: 0.2)
        throw CheckFailure("deliberate failure on the last process")
    }
    try world.barrier()
    print("throw: the barrier returned, which it must not")
}

/// The last process hangs (outside MPI) while the others wait in a barrier with a 2-second
/// timeout: the watchdog must end the job.
func hangOnLastRank(_ world: Communicator) throws {
    world.timeout = .seconds(2)
    if world.rank == world.size - 1 {
        Thread.sleep(forTimeInterval: 60)
        return
    }
    try world.barrier()
    print("hang: the barrier returned, which it must not")
}
