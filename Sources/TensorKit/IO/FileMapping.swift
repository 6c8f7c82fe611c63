import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A private, copy-on-write memory map of a whole open file, unmapped on release; the readers
/// of safetensors and GGUF files view their tensors through it. An empty file (which `mmap`
/// refuses) gets a one-byte buffer, so the header parsers report the truncation themselves.
final class FileMapping {
    let base: UnsafeMutableRawPointer
    let byteCount: Int
    private let isMapped: Bool

    /// Maps `byteCount` bytes of `descriptor`; throws the system's reason.
    init(descriptor: Int32, byteCount: Int) throws(FileMappingFailure) {
        self.byteCount = byteCount
        if byteCount == 0 {
            base = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 64)
            isMapped = false
            return
        }
        let address = mmap(nil, byteCount, PROT_READ | PROT_WRITE, MAP_PRIVATE, descriptor, 0)
        guard let address, address != MAP_FAILED else { throw FileMappingFailure(reason: "mmap: \(systemError())") }
        base = address
        isMapped = true
    }

    deinit {
        if isMapped { munmap(base, byteCount) } else { base.deallocate() }
    }
}

/// Why a file could not be mapped; each reader wraps it in its own error type with the file.
struct FileMappingFailure: Error {
    var reason: String
}
