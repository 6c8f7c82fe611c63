import Distributed
import Foundation

// Checks of the Distributed module that need several processes; DistributedTests runs each
// under `mpirun -np 2`. Every process prints "<check>: ok" when its part passed; a failed
// check ends the whole job non-zero with the reason on stderr.
//
//   DistributedChecks collectives | parity | throw | hang | step-time <workload> <steps> <threads> [model]

let arguments = CommandLine.arguments.dropFirst()
let world: Communicator
do {
    world = try Communicator.world()
} catch {
    FileHandle.standardError.write(Data("DistributedChecks: cannot start MPI: \(error)\n".utf8))
    exit(1)
}
world.abortingOnError {
    if let check = arguments.first, ["collectives", "parity"].contains(check), world.size < 2 {
        throw CheckFailure("\(check) needs 2 or more processes: mpirun -np 2 \(CommandLine.arguments[0]) \(check)")
    }
    switch arguments.first {
    case "collectives": try checkCollectives(world)
    case "parity": try checkDataParallelParity(world)
    case "throw": try throwOnLastRank(world)
    case "hang": try hangOnLastRank(world)
    case "step-time": try measureStepTime(world, arguments: Array(arguments.dropFirst()))
    default: throw CheckFailure("usage: DistributedChecks collectives | parity | throw | hang | step-time WORKLOAD STEPS THREADS [MODEL]")
    }
}
