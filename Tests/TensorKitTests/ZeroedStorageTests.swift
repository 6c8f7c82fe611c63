import Testing
@testable import TensorKit

/// Zero tensors skip clearing only memory that is known to be zero (a fresh mapping).
@Suite struct ZeroedStorageTests {
    /// A reused cache block held other values: a zeroed request for its size must clear it.
    @Test func reusedBlocksAreCleared() {
        let count = 1 << 20   // 4 MiB of float32: large enough to be mapped and cached
        for _ in 0..<3 {
            let dirty = Tensor.zeros([count])
            dirty.withUnsafeMutableBufferPointer(as: Float.self) { buffer in
                for i in stride(from: 0, to: buffer.count, by: 997) { buffer[i] = 7 }
            }
            #expect(dirty.sum().item() > 0)
        }
        let clean = Tensor.zeros([count])
        let nonZero = clean.withUnsafeMutableBufferPointer(as: Float.self) { $0.contains { $0 != 0 } }
        #expect(!nonZero)
    }

    /// Fresh mappings are all zero too, and small (malloc'd) blocks are cleared.
    @Test func freshAndSmallBlocksAreZero() {
        for count in [1, 17, 1 << 10, (1 << 22) + 3] {
            let tensor = Tensor.zeros([count])
            let nonZero = tensor.withUnsafeMutableBufferPointer(as: Float.self) { $0.contains { $0 != 0 } }
            #expect(!nonZero, "zeros([\(count)])")
        }
    }
}
