import CMPI
import TensorKit

/// How an all-reduce combines the processes' values, element by element.
public enum ReductionOperation: Sendable, Equatable {
    /// The sum.
    case sum
    /// The sum divided by the number of processes (floating-point values only).
    case average
    /// The largest value.
    case max
    /// The smallest value.
    case min

    /// The MPI operation run (an average is a sum, divided afterwards).
    var handle: MPI_Op {
        switch self {
        case .sum, .average: return cmpi_op_sum()
        case .max: return cmpi_op_max()
        case .min: return cmpi_op_min()
        }
    }
}

extension DType {
    /// The MPI type of one element; stops with a message for dtypes collectives do not carry.
    func mpiType(for operation: String) -> MPI_Datatype {
        switch self {
        case .float32: return cmpi_float()
        case .float64: return cmpi_double()
        case .int64: return cmpi_int64()
        case .int32: return cmpi_int32()
        default: preconditionFailure("Communicator.\(operation): tensors of \(self) are not supported (float32, float64, int32, int64)")
        }
    }
}
