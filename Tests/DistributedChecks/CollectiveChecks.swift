import Distributed
import FineTuning
import Foundation

/// Collectives on odd sizes, non-contiguous views, float32 and float64, scalars, gradient
/// averaging over several buckets, typed MPI errors and the parameter check.
func checkCollectives(_ world: Communicator) throws {
    let rank = Double(world.rank), size = Double(world.size)
    let rankSum = size * (size - 1) / 2   // Σ rank

    // All-reduce of odd sizes, both float types: element i of process r is (r + 1)·(i + 1).
    for dtype in [DType.float32, .float64] {
        for count in [1, 7, 1001] {
            let x = Tensor((0..<count).map { (rank + 1) * Double($0 + 1) }, shape: [count]).cast(to: dtype)
            try world.allReduce(x, .sum)
            let expected = (0..<count).map { (rankSum + size) * Double($0 + 1) }
            try require(maxDifference(x.cast(to: .float64).scalars(as: Double.self), expected) <= 1e-3,
                        "allReduce sum \(dtype) [\(count)]")
        }
    }

    // A strided view (every other column of a transpose) averaged in place; the rest untouched.
    let base = Tensor((0..<35).map { Double($0) + 100 * rank }, shape: [5, 7])
    let view = base.transposed().slice(axis: 1, 0..<5, step: 2)   // [7, 3], not contiguous
    try require(!view.isContiguous, "the view should not be contiguous")
    try world.allReduce(view, .average)
    let values = base.scalars(as: Double.self)
    for row in 0..<5 {
        for column in 0..<7 {
            let own = Double(row * 7 + column) + 100 * rank
            let expected = row % 2 == 0 ? Double(row * 7 + column) + 100 * rankSum / size : own
            try require(abs(values[row * 7 + column] - expected) < 1e-12, "average of a strided view at [\(row), \(column)]")
        }
    }

    // Max, broadcast of a strided view from the last process.
    let m = Tensor([rank, -rank, 3], shape: [3])
    try world.allReduce(m, .max)
    try require(m.scalars(as: Double.self) == [size - 1, 0, 3], "allReduce max")
    let b = Tensor((0..<12).map { Double($0) * (rank + 1) }, shape: [3, 4]).transposed()
    try world.broadcast(b, from: world.size - 1)
    let sent = Tensor((0..<12).map { Double($0) * size }, shape: [3, 4]).transposed().contiguous()
    try require(b.contiguous().scalars(as: Double.self) == sent.scalars(as: Double.self), "broadcast of a transposed view")

    // All-gather into a new tensor and into a strided output.
    let g = try world.allGather(Tensor([rank, rank + 0.5, rank * 2], shape: [3]).cast(to: .float32))
    try require(g.shape == [world.size, 3], "allGather shape \(g.shape)")
    let gathered: [Double] = (0..<world.size).flatMap { r -> [Double] in [Double(r), Double(r) + 0.5, Double(r) * 2] }
    try require(g.cast(to: .float64).scalars(as: Double.self) == gathered, "allGather values")
    let out = Tensor.zeros([3, world.size]).transposed()
    try world.allGather(Tensor([rank, rank, rank], shape: [3]).cast(to: .float32), into: out)
    let repeated: [Double] = (0..<world.size).flatMap { r -> [Double] in [Double](repeating: Double(r), count: 3) }
    try require(out.contiguous().cast(to: .float64).scalars(as: Double.self) == repeated, "allGather into a strided output")

    // Scalars and metrics.
    try require(try world.allReduce([rank, 1], .average) == [rankSum / size, 1], "allReduce average of scalars")
    try require(try world.allReduce(rank, .max) == size - 1, "allReduce max of a scalar")
    try require(try world.allGather(rank * 10) == (0..<world.size).map { Double($0) * 10 }, "allGather of a scalar")
    try require(try world.broadcast(world.rank == 0 ? "from rank 0 ✓" : "", from: 0) == "from rank 0 ✓", "broadcast of a string")
    try require(try world.allAgree(world.rank == 0) == (world.size == 1), "allAgree")
    try world.barrier()

    try checkGradientAveraging(world)
    try checkParameterBroadcast(world)

    // An MPI error comes back as a typed error with MPI's text, not as a crash.
    do {
        try world.broadcast(Tensor([1.0]), from: world.size)
        throw CheckFailure("a broadcast from a missing root did not fail")
    } catch DistributedError.mpi(let operation, _, let message) {
        try require(operation == "MPI_Bcast" && message.lowercased().contains("root"), "MPI error text: \(operation): \(message)")
    }
    print("collectives: ok (process \(world.rank) of \(world.size))")
}

/// Gradients of mixed dtypes and layouts, some missing, over buckets of 64 bytes (so several
/// tensors share some buckets and a large one has its own).
private func checkGradientAveraging(_ world: Communicator) throws {
    let rank = Double(world.rank), size = Double(world.size)
    let shapes = [[3, 5], [7], [4, 3], [2], [40], [3]]
    let dtypes: [DType] = [.float64, .float32, .float64, .float64, .float64, .float32]
    let parameters = zip(shapes, dtypes).map { Tensor.zeros($0, dtype: $1) }
    for (index, parameter) in parameters.enumerated() where index != 3 {
        let count = parameter.count
        var grad = Tensor((0..<count).map { Double($0 + index) * (rank + 1) }, shape: parameter.shape.reversed()).cast(to: parameter.dtype)
        // Parameter 2's gradient is a transposed (non-contiguous) view.
        grad = index == 2 ? grad.transposed() : grad.reshape(parameter.shape)
        parameter.grad = grad
    }
    let group = DataParallel(world)
    group.bucketByteCount = 64
    try group.averageGradients(parameters)
    let factor = (size + 1) / 2   // mean of (r + 1)
    for (index, parameter) in parameters.enumerated() {
        guard let grad = parameter.grad else { throw CheckFailure("parameter \(index) has no gradient after averaging") }
        let expected: [Double]
        if index == 3 {
            expected = [0, 0]
        } else {
            var reference = Tensor((0..<parameter.count).map { Double($0 + index) * factor }, shape: parameter.shape.reversed())
            reference = index == 2 ? reference.transposed() : reference.reshape(parameter.shape)
            expected = reference.contiguous().scalars(as: Double.self)
        }
        try require(maxDifference(grad.contiguous().cast(to: .float64).scalars(as: Double.self), expected) <= 1e-5,
                    "averaged gradient \(index) (\(parameter.dtype) \(parameter.shape))")
    }
}

/// Process 0's parameters reach every process; different shapes make every process throw.
private func checkParameterBroadcast(_ world: Communicator) throws {
    let group = DataParallel(world)
    let weight = Tensor([Double(world.rank), 1, 2], shape: [3])
    try group.broadcastParameters([("weight", weight)])
    try require(weight.scalars(as: Double.self) == [0, 1, 2], "broadcast parameters")
    let odd = Tensor.zeros([world.rank == 0 ? 2 : 3])
    do {
        try group.broadcastParameters([("weight", weight), ("bias", odd)])
        if world.size > 1 { throw CheckFailure("different parameter shapes were not detected") }
    } catch DistributedError.mismatch(let text) {
        try require(text.contains("differ"), "mismatch text: \(text)")
    }
}
