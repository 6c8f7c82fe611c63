import Foundation

/// Remembers the BPE ids of words already seen, keyed by their bytes.
///
/// Natural text repeats words constantly, and merging is the expensive part of byte-level BPE.
/// Ids are kept in one flat array; the table maps a word to `offset << 16 | count`. Like Hugging
/// Face's cache it stops growing at a fixed size rather than evicting, and it skips long words
/// (which rarely repeat, and would fill the key storage).
final class BPEWordCache: @unchecked Sendable {
    private let lock = NSLock()
    private var table = ByteStringTable(minimumCapacity: 1024)
    private var ids: [Int32] = []
    private let capacity: Int

    /// Words longer than this many bytes are not stored.
    static let maximumWordLength = 256

    init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    /// Appends the cached ids of `word` to `output`; false when the word is not cached.
    func append(_ word: UnsafeBufferPointer<UInt8>, to output: inout [Int]) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard let packed = table.value(for: word) else { return false }
        let offset = packed >> 16
        let count = packed & 0xFFFF
        for k in 0..<count { output.append(Int(ids[offset + k])) }
        return true
    }

    func store(_ word: UnsafeBufferPointer<UInt8>, ids pieces: ArraySlice<Int>) {
        guard word.count <= Self.maximumWordLength else { return }  // so pieces.count fits in 16 bits
        lock.lock()
        defer { lock.unlock() }
        guard table.count < capacity else { return }
        table.insert(word, value: ids.count << 16 | pieces.count)
        for id in pieces { ids.append(Int32(id)) }
    }
}
