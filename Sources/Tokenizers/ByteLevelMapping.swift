/// GPT-2's reversible mapping of the 256 byte values onto printable Unicode characters.
///
/// Printable Latin-1 bytes (`!`...`~`, `¡`...`¬`, `®`...`ÿ`) map to themselves; the other 68
/// bytes map, in order, to U+0100 and up (so a space is `Ġ`, a newline `Ċ`). Byte-level BPE
/// vocabularies and merges are spelled in these characters.
enum ByteLevelMapping {
    /// The character each byte is spelled as.
    static let characters: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: "\0", count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            let printable = (33...126).contains(byte) || (161...172).contains(byte) || (174...255).contains(byte)
            if printable {
                table[byte] = Unicode.Scalar(UInt32(byte))!
            } else {
                table[byte] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return table
    }()

    /// The byte each mapped character stands for.
    static let bytes: [Unicode.Scalar: UInt8] = {
        var inverse: [Unicode.Scalar: UInt8] = [:]
        for (byte, scalar) in characters.enumerated() { inverse[scalar] = UInt8(byte) }
        return inverse
    }()

    /// The raw bytes a vocabulary token spells, or nil when it has a character outside the mapping.
    static func decode(_ token: String) -> [UInt8]? {
        var result: [UInt8] = []
        result.reserveCapacity(token.unicodeScalars.count)
        for scalar in token.unicodeScalars {
            guard let byte = bytes[scalar] else { return nil }
            result.append(byte)
        }
        return result
    }
}
