/// A bounds-checked little-endian cursor over a GGUF file's bytes.
///
/// Every read checks the bytes that remain first, so a truncated or lying file throws a
/// ``GGUFError`` naming what was being read (`context`) instead of reading past the end, and no
/// count from the file sizes an allocation before ``checkedCount(_:minimumBytesEach:context:)``
/// has compared it with the bytes left.
struct GGUFByteReader {
    let bytes: UnsafeRawBufferPointer
    let file: String
    private(set) var offset = 0

    init(bytes: UnsafeRawBufferPointer, file: String) {
        self.bytes = bytes
        self.file = file
    }

    /// Bytes after the cursor.
    var remaining: Int { bytes.count - offset }

    /// The next `T`, little-endian.
    mutating func read<T: FixedWidthInteger>(_: T.Type, _ context: @autoclosure () -> String) throws(GGUFError) -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size, let base = bytes.baseAddress else {
            throw .truncated(file: file, context: context(), offset: bytes.count, needed: size - remaining)
        }
        let value = base.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += size
        return T(littleEndian: value)
    }

    /// A `UInt64` length followed by that many bytes of UTF-8.
    mutating func readString(_ context: @autoclosure () -> String) throws(GGUFError) -> String {
        let length = try read(UInt64.self, context())
        guard length <= UInt64(remaining), let base = bytes.baseAddress else {
            throw .stringTooLong(file: file, context: context(), length: length, remaining: remaining)
        }
        let count = Int(length)
        let utf8 = UnsafeBufferPointer(start: (base + offset).assumingMemoryBound(to: UInt8.self), count: count)
        guard let text = String(validating: utf8, as: UTF8.self) else {
            throw .invalidUTF8(file: file, context: context())
        }
        offset += count
        return text
    }

    /// `count` as an `Int` once it is known that `count` items of at least `minimumBytesEach`
    /// bytes fit in what remains, so it may size an allocation.
    func checkedCount(_ count: UInt64, minimumBytesEach: Int, context: @autoclosure () -> String) throws(GGUFError) -> Int {
        let (needed, overflow) = count.multipliedReportingOverflow(by: UInt64(minimumBytesEach))
        guard !overflow, needed <= UInt64(remaining) else {
            throw .countTooLarge(file: file, context: context(), count: count,
                                 minimumBytes: overflow ? .max : needed, remaining: remaining)
        }
        return Int(count)
    }
}
