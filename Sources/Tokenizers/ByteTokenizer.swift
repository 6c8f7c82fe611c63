/// A tokenizer whose tokens are the 256 UTF-8 byte values, plus BOS, EOS and PAD.
///
/// Ids 0...255 are bytes; 256 is BOS, 257 EOS and 258 PAD, so ``vocabularySize`` is 259. It needs
/// no files and never meets an unknown character, which makes it the tokenizer for tiny models
/// trained from scratch.
///
/// ```swift
/// let tokenizer = ByteTokenizer(addBOS: true, addEOS: true)
/// tokenizer.encode("hé", addSpecialTokens: true)  // [256, 104, 195, 169, 257]
/// ```
public struct ByteTokenizer: Tokenizer {
    /// The id of the beginning-of-sequence token.
    public static let bosID = 256
    /// The id of the end-of-sequence token.
    public static let eosID = 257
    /// The id of the padding token.
    public static let padID = 258

    /// Whether `addSpecialTokens: true` puts BOS in front.
    public var addBOS: Bool
    /// Whether `addSpecialTokens: true` puts EOS at the end.
    public var addEOS: Bool

    /// A byte tokenizer; `addBOS`/`addEOS` say what `addSpecialTokens: true` adds.
    public init(addBOS: Bool = true, addEOS: Bool = false) {
        self.addBOS = addBOS
        self.addEOS = addEOS
    }

    public var vocabularySize: Int { 259 }

    public var specialTokens: SpecialTokenIDs {
        SpecialTokenIDs(pad: Self.padID, bos: Self.bosID, eos: Self.eosID)
    }

    public var specialTokenCount: Int { (addBOS ? 1 : 0) + (addEOS ? 1 : 0) }

    public func encode(_ text: String, addSpecialTokens: Bool) -> [Int] {
        var ids: [Int] = []
        ids.reserveCapacity(text.utf8.count + 2)
        if addSpecialTokens && addBOS { ids.append(Self.bosID) }
        for byte in text.utf8 { ids.append(Int(byte)) }
        if addSpecialTokens && addEOS { ids.append(Self.eosID) }
        return ids
    }

    public func addingSpecialTokens(to ids: [Int]) -> [Int] {
        (addBOS ? [Self.bosID] : []) + ids + (addEOS ? [Self.eosID] : [])
    }

    /// Bytes that do not form valid UTF-8 (a sequence cut mid-character) become U+FFFD.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count)
        var text = ""
        for id in ids {
            if (0..<256).contains(id) {
                bytes.append(UInt8(id))
            } else if !skipSpecialTokens, let name = token(forID: id) {
                text += String(decoding: bytes, as: UTF8.self) + name
                bytes.removeAll(keepingCapacity: true)
            }
        }
        return text + String(decoding: bytes, as: UTF8.self)
    }

    /// Bytes are spelled `<0xAB>`; special tokens `<bos>`, `<eos>`, `<pad>`.
    public func token(forID id: Int) -> String? {
        switch id {
        case 0..<256:
            let hex = String(id, radix: 16, uppercase: true)
            return "<0x\(hex.count == 1 ? "0" + hex : hex)>"
        case Self.bosID: return "<bos>"
        case Self.eosID: return "<eos>"
        case Self.padID: return "<pad>"
        default: return nil
        }
    }

    public func id(forToken token: String) -> Int? {
        switch token {
        case "<bos>": return Self.bosID
        case "<eos>": return Self.eosID
        case "<pad>": return Self.padID
        default:
            guard token.hasPrefix("<0x"), token.hasSuffix(">"), token.count == 6,
                  let value = Int(token.dropFirst(3).dropLast(), radix: 16) else { return nil }
            return value
        }
    }
}
