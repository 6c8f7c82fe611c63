/// A hash map from byte strings to integers whose lookups take a pointer range, not a `String`.
///
/// Tokenizers look up many candidate substrings per word; building a `String` (or `[UInt8]`) for
/// each would allocate on the hot path. Keys are stored back to back in one byte array and found
/// by open addressing with linear probing.
struct ByteStringTable: Sendable {
    private struct Entry: Sendable {
        var hash: UInt64
        var offset: Int32
        var length: Int32  // -1 marks an empty slot
        var value: Int
    }

    private var keyBytes: [UInt8] = []
    private var entries: [Entry]
    private var mask: Int
    /// How many keys are stored.
    private(set) var count = 0
    /// The longest key, in bytes: no longer candidate can match.
    private(set) var maxKeyLength = 0

    init(minimumCapacity: Int = 16) {
        var capacity = 16
        while capacity < minimumCapacity * 2 { capacity <<= 1 }
        entries = Array(repeating: Entry(hash: 0, offset: 0, length: -1, value: 0), count: capacity)
        mask = capacity - 1
    }

    @inline(__always)
    static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
        for byte in key { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return h ^ (h >> 29)
    }

    /// The value stored for `key`, or nil.
    @inline(__always)
    func value(for key: UnsafeBufferPointer<UInt8>) -> Int? {
        let h = Self.hash(key)
        return keyBytes.withUnsafeBufferPointer { stored in
            entries.withUnsafeBufferPointer { slots in
                var index = Int(truncatingIfNeeded: h) & mask
                while true {
                    let entry = slots[index]
                    if entry.length < 0 { return nil }
                    if entry.hash == h && Int(entry.length) == key.count
                        && Self.equal(stored, Int(entry.offset), key) {
                        return entry.value
                    }
                    index = (index + 1) & mask
                }
            }
        }
    }

    /// The value stored for the bytes of `key`, or nil.
    func value<C: Collection>(for key: C) -> Int? where C.Element == UInt8 {
        let bytes = Array(key)
        return bytes.withUnsafeBufferPointer { value(for: $0) }
    }

    @inline(__always)
    private static func equal(_ stored: UnsafeBufferPointer<UInt8>, _ offset: Int,
                              _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        while i < key.count {
            if stored[offset + i] != key[i] { return false }
            i += 1
        }
        return true
    }

    /// Stores `value` for `key`, replacing any earlier value; returns the replaced value.
    @discardableResult
    mutating func insert<C: Collection>(_ key: C, value: Int) -> Int? where C.Element == UInt8 {
        let bytes = Array(key)
        if (count + 1) * 2 > entries.count { grow() }
        let h = bytes.withUnsafeBufferPointer { Self.hash($0) }
        var index = Int(truncatingIfNeeded: h) & mask
        while entries[index].length >= 0 {
            let entry = entries[index]
            if entry.hash == h && Int(entry.length) == bytes.count {
                let same = keyBytes.withUnsafeBufferPointer { stored in
                    bytes.withUnsafeBufferPointer { Self.equal(stored, Int(entry.offset), $0) }
                }
                if same {
                    entries[index].value = value
                    return entry.value
                }
            }
            index = (index + 1) & mask
        }
        entries[index] = Entry(hash: h, offset: Int32(keyBytes.count), length: Int32(bytes.count), value: value)
        keyBytes.append(contentsOf: bytes)
        count += 1
        maxKeyLength = max(maxKeyLength, bytes.count)
        return nil
    }

    private mutating func grow() {
        let old = entries
        entries = Array(repeating: Entry(hash: 0, offset: 0, length: -1, value: 0), count: old.count * 2)
        mask = entries.count - 1
        for entry in old where entry.length >= 0 {
            var index = Int(truncatingIfNeeded: entry.hash) & mask
            while entries[index].length >= 0 { index = (index + 1) & mask }
            entries[index] = entry
        }
    }
}
