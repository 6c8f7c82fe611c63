import TensorKit

/// Gradients grouped for all-reduce: consecutive tensors of one dtype, up to a byte budget per
/// bucket (PyTorch DDP's 25 MB by default), so that many small gradients (LoRA's A and B of
/// every layer) travel in few messages and a large one does not hold a copy of everything.
struct GradientBuckets {
    /// The indices (into the gradients planned) of each bucket's tensors, in order.
    var buckets: [[Int]]

    /// Buckets of at most `byteLimit` bytes over `gradients` (a tensor larger than the limit
    /// gets a bucket of its own).
    init(_ gradients: [Tensor], byteLimit: Int) {
        var buckets: [[Int]] = []
        var current: [Int] = []
        var bytes = 0
        for (index, gradient) in gradients.enumerated() {
            let size = gradient.count * gradient.dtype.byteSize
            if let first = current.first, gradients[first].dtype != gradient.dtype || bytes + size > byteLimit {
                buckets.append(current)
                current = []
                bytes = 0
            }
            current.append(index)
            bytes += size
        }
        if !current.isEmpty { buckets.append(current) }
        self.buckets = buckets
    }
}

extension Communicator {
    /// Averages each of `gradients` over the processes, bucket by bucket: a bucket of one
    /// contiguous tensor is reduced where it lies; the others are packed into `staging` (grown
    /// as needed, kept by the caller across steps), reduced, and unpacked.
    func averageInBuckets(_ gradients: [Tensor], byteLimit: Int, staging: inout [DType: Tensor]) throws {
        for bucket in GradientBuckets(gradients, byteLimit: byteLimit).buckets {
            let tensors = bucket.map { gradients[$0] }
            let dtype = tensors[0].dtype
            if tensors.count == 1, tensors[0].isContiguous {
                try allReduceInPlace(tensors[0].firstElement, count: tensors[0].count, dtype: dtype, .average)
                continue
            }
            let count = tensors.reduce(0) { $0 + $1.count }
            if (staging[dtype]?.count ?? 0) < count { staging[dtype] = Tensor.zeros([count], dtype: dtype) }
            let buffer = staging[dtype]!
            Self.copy(tensors, to: buffer, packing: true)
            try allReduceInPlace(buffer.firstElement, count: count, dtype: dtype, .average)
            Self.copy(tensors, to: buffer, packing: false)
        }
    }

    /// Copies `tensors` into consecutive runs of `buffer` (`packing`), or back out of them.
    private static func copy(_ tensors: [Tensor], to buffer: Tensor, packing: Bool) {
        var offset = 0
        for tensor in tensors {
            let run = buffer.firstElement + offset * tensor.dtype.byteSize
            if tensor.isContiguous {
                let bytes = tensor.count * tensor.dtype.byteSize
                if packing { run.copyMemory(from: tensor.firstElement, byteCount: bytes) } else { tensor.firstElement.copyMemory(from: run, byteCount: bytes) }
            } else {
                let view = Tensor(storage: buffer.storage, layout: Layout(shape: tensor.shape, offset: buffer.layout.offset + offset),
                                  dtype: tensor.dtype)
                if packing { view.assign(tensor) } else { tensor.assign(view) }
            }
            offset += tensor.count
        }
    }
}
