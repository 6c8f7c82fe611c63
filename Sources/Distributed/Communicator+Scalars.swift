import CMPI

/// Collectives on plain numbers: metrics, counts, flags.
extension Communicator {
    /// The element-wise combination of every process's `values` (all pass as many).
    public func allReduce(_ values: [Double], _ operation: ReductionOperation = .sum) throws -> [Double] {
        var result = values
        guard !result.isEmpty else { return result }
        try result.withUnsafeMutableBytes { bytes in
            try allReduceInPlace(bytes.baseAddress!, count: values.count, dtype: .float64, operation)
        }
        return result
    }

    /// The combination of every process's `value`.
    public func allReduce(_ value: Double, _ operation: ReductionOperation = .sum) throws -> Double {
        try allReduce([value], operation)[0]
    }

    /// Every process's `value`, by rank.
    public func allGather(_ value: Double) throws -> [Double] {
        var source = value
        var result = [Double](repeating: 0, count: size)
        try result.withUnsafeMutableBufferPointer { destination in
            try collective("MPI_Allgather") {
                MPI_Allgather(&source, 1, cmpi_double(), destination.baseAddress, 1, cmpi_double(), handle)
            }
        }
        return result
    }

    /// Process `root`'s `values` on every process (all pass as many).
    public func broadcast(_ values: [Double], from root: Int = 0) throws -> [Double] {
        var result = values
        guard !result.isEmpty else { return result }
        try result.withUnsafeMutableBufferPointer { buffer in
            try collective("MPI_Bcast") { MPI_Bcast(buffer.baseAddress, Int32(buffer.count), cmpi_double(), Int32(root), handle) }
        }
        return result
    }

    /// Process `root`'s `text` on every process (the others' texts may differ in length).
    public func broadcast(_ text: String, from root: Int = 0) throws -> String {
        var bytes = Array(text.utf8)
        var length = Int64(bytes.count)
        try collective("MPI_Bcast") { MPI_Bcast(&length, 1, cmpi_int64(), Int32(root), handle) }
        bytes = rank == root ? bytes : [UInt8](repeating: 0, count: Int(length))
        if length > 0 {
            try bytes.withUnsafeMutableBufferPointer { buffer in
                try collective("MPI_Bcast") { MPI_Bcast(buffer.baseAddress, Int32(buffer.count), cmpi_byte(), Int32(root), handle) }
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether `condition` holds on every process (the same answer everywhere), so that all
    /// processes take the same branch — one throwing alone would leave the others waiting.
    public func allAgree(_ condition: Bool) throws -> Bool {
        try allReduce(condition ? 1 : 0, .min) == 1
    }
}
