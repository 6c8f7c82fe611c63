@testable import Distributed
import FineTuning
import Testing
import TensorKit

/// The distributed sampler and the bucket plan, which need no second process.
@Suite struct DataShardTests {
    /// Shares are disjoint, the same size, and together make each global batch (padded by
    /// repeating its first examples); one process reads exactly the unsharded batches.
    @Test(arguments: [(10, 2, 2, false), (10, 3, 1, false), (11, 2, 3, false), (11, 2, 3, true), (7, 4, 2, false)])
    func sharesPartitionEachGlobalBatch(count: Int, processes: Int, batchSize: Int, dropLast: Bool) {
        var global = BatchSampler(count: count, batchSize: batchSize * processes, shuffle: true, seed: 5, dropLast: dropLast)
        let shares = (0..<processes).map { index -> [[Int]] in
            var sampler = BatchSampler(count: count, batchSize: batchSize, shuffle: true, seed: 5, dropLast: dropLast)
            sampler.shard = DataShard(index: index, count: processes)
            #expect(sampler.batchCount == global.batchCount)
            return sampler.batches(epoch: 1)
        }
        for (b, batch) in global.batches(epoch: 1).enumerated() {
            let parts = shares.map { $0[b] }
            #expect(Set(parts.map(\.count)).count == 1, "every process takes as many examples")
            let joined = parts.flatMap { $0 }
            #expect(Set(joined) == Set(batch))
            if batch.count % processes == 0 { #expect(joined.count == batch.count, "no example twice in a full batch") }
            #expect(joined.count < batch.count + processes)
        }
        if dropLast { #expect(shares.allSatisfy { $0.allSatisfy { $0.count == batchSize } }) }
        global.shard = DataShard(index: 0, count: 1)
        #expect(global.batches(epoch: 2) == BatchSampler(count: count, batchSize: batchSize * processes, shuffle: true, seed: 5,
                                                         dropLast: dropLast).batches(epoch: 2))
    }

    /// Each epoch deals another shuffle.
    @Test func epochsShuffleDifferently() {
        var sampler = BatchSampler(count: 40, batchSize: 4, shuffle: true, seed: 1)
        sampler.shard = DataShard(index: 1, count: 2)
        #expect(sampler.batches(epoch: 0) != sampler.batches(epoch: 1))
        #expect(sampler.batches(epoch: 3) == sampler.batches(epoch: 3))
    }

    /// Buckets respect the byte budget, split at a dtype change, and give an oversized tensor its own.
    @Test func bucketsFollowTheBudget() {
        let gradients = [Tensor.zeros([4], dtype: .float64), .zeros([3], dtype: .float64), .zeros([2], dtype: .float32),
                         .zeros([100], dtype: .float32), .zeros([1], dtype: .float32), .zeros([1], dtype: .float32)]
        #expect(GradientBuckets(gradients, byteLimit: 64).buckets == [[0, 1], [2], [3], [4, 5]])
        #expect(GradientBuckets(gradients, byteLimit: 1 << 20).buckets == [[0, 1], [2, 3, 4, 5]])
    }

    /// The launcher's environment says whether and where this process runs in a job.
    @Test func launchFromEnvironment() {
        #expect(MPILaunch(environment: ["OMPI_COMM_WORLD_RANK": "1", "OMPI_COMM_WORLD_SIZE": "4"]) == MPILaunch(rank: 1, size: 4))
        #expect(MPILaunch(environment: ["PMI_RANK": "0", "PMI_SIZE": "2"])?.size == 2)
        #expect(MPILaunch(environment: ["OMPI_COMM_WORLD_RANK": "4", "OMPI_COMM_WORLD_SIZE": "4"]) == nil)
        #expect(MPILaunch(environment: [:]) == nil)
    }
}
