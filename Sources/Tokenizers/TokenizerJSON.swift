import Foundation

/// Typed access to the parts of a Hugging Face `tokenizer.json`, throwing ``TokenizerError``s that
/// name the file and the key path.
struct TokenizerJSON {
    let path: String
    let root: [String: Any]

    init(url: URL) throws {
        let data = try TokenizerError.readData(url)
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw TokenizerError.invalidJSON(path: url.path, reason: Self.describe(error))
        }
        guard let root = object as? [String: Any] else {
            throw TokenizerError.invalidJSON(path: url.path, reason: "the top level is not an object")
        }
        self.path = url.path
        self.root = root
    }

    private static func describe(_ error: Error) -> String {
        let nsError = error as NSError
        if let detail = nsError.userInfo[NSDebugDescriptionErrorKey] as? String { return detail }
        return nsError.localizedDescription
    }

    func fail(_ keyPath: String, _ reason: String) -> TokenizerError {
        .invalidField(path: path, keyPath: keyPath, reason: reason)
    }

    /// The object at `key` of `object`; nil when absent or JSON null.
    func optionalObject(_ object: [String: Any], _ key: String, at keyPath: String) throws -> [String: Any]? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let dictionary = value as? [String: Any] else { throw fail(keyPath, "is not an object") }
        return dictionary
    }

    func object(_ object: [String: Any], _ key: String, at keyPath: String) throws -> [String: Any] {
        guard let value = try optionalObject(object, key, at: keyPath) else { throw fail(keyPath, "is missing") }
        return value
    }

    func optionalString(_ object: [String: Any], _ key: String, at keyPath: String) throws -> String? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let string = value as? String else { throw fail(keyPath, "is not a string") }
        return string
    }

    func string(_ object: [String: Any], _ key: String, at keyPath: String) throws -> String {
        guard let value = try optionalString(object, key, at: keyPath) else { throw fail(keyPath, "is missing") }
        return value
    }

    func optionalBool(_ object: [String: Any], _ key: String, at keyPath: String) throws -> Bool? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let flag = value as? Bool else { throw fail(keyPath, "is not a boolean") }
        return flag
    }

    func optionalInt(_ object: [String: Any], _ key: String, at keyPath: String) throws -> Int? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let number = value as? NSNumber, let int = Int(exactly: number.doubleValue)
        else { throw fail(keyPath, "is not an integer") }
        return int
    }

    /// The type name of a component such as `normalizer`; nil when the component is null.
    func componentType(_ key: String) throws -> (type: String, object: [String: Any])? {
        guard let component = try optionalObject(root, key, at: key) else { return nil }
        return (try string(component, "type", at: "\(key).type"), component)
    }

    /// `model.vocab` (token → id) as an array indexed by id, checking that ids are 0..<count.
    func vocabulary(_ model: [String: Any]) throws -> (tokens: [String], ids: [String: Int]) {
        guard let raw = model["vocab"] else { throw fail("model.vocab", "is missing") }
        guard let entries = raw as? [String: Any] else { throw fail("model.vocab", "is not an object of token ids") }
        var tokens = [String?](repeating: nil, count: entries.count)
        var ids: [String: Int] = [:]
        ids.reserveCapacity(entries.count)
        for (token, value) in entries {
            guard let number = value as? NSNumber, let id = Int(exactly: number.doubleValue) else {
                throw fail("model.vocab.\(token)", "is not an integer id")
            }
            guard tokens.indices.contains(id) else {
                throw fail("model.vocab.\(token)", "has id \(id), outside 0..<\(entries.count)")
            }
            if let other = tokens[id] { throw fail("model.vocab", "gives id \(id) to both '\(other)' and '\(token)'") }
            tokens[id] = token
            ids[token] = id
        }
        return (tokens.map { $0! }, ids)
    }

    /// The `added_tokens` list.
    func addedTokens() throws -> [AddedToken] {
        guard let raw = root["added_tokens"], !(raw is NSNull) else { return [] }
        guard let list = raw as? [[String: Any]] else { throw fail("added_tokens", "is not a list of objects") }
        return try list.enumerated().map { index, entry in
            let at = "added_tokens[\(index)]"
            guard let id = try optionalInt(entry, "id", at: "\(at).id") else { throw fail("\(at).id", "is missing") }
            return AddedToken(content: try string(entry, "content", at: "\(at).content"), id: id,
                              special: try optionalBool(entry, "special", at: "\(at).special") ?? false,
                              leftStrip: try optionalBool(entry, "lstrip", at: "\(at).lstrip") ?? false,
                              rightStrip: try optionalBool(entry, "rstrip", at: "\(at).rstrip") ?? false)
        }
    }

    /// The special-token template of `post_processor`, resolving token names with `lookup`.
    func template(lookup: (String) -> Int?) throws -> SpecialTokenTemplate {
        guard let (type, processor) = try componentType("post_processor") else { return .none }
        func named(_ key: String) throws -> Int {
            guard let pair = processor[key] as? [Any], pair.count == 2, let number = pair[1] as? NSNumber else {
                throw fail("post_processor.\(key)", "is not a [token, id] pair")
            }
            return number.intValue
        }
        switch type {
        case "ByteLevel":
            return .none
        case "BertProcessing":
            return SpecialTokenTemplate(prefix: [try named("cls")], suffix: [try named("sep")])
        case "RobertaProcessing":
            let cls = try named("cls"), sep = try named("sep")
            // RoBERTa has no segment embeddings: every type id is 0, and pairs are `<s> A </s></s> B </s>`.
            return SpecialTokenTemplate(prefix: [cls], suffix: [sep], pair: [
                .special([cls], typeID: 0), .first(typeID: 0), .special([sep, sep], typeID: 0),
                .second(typeID: 0), .special([sep], typeID: 0),
            ])
        case "TemplateProcessing":
            let specials = processor["special_tokens"] as? [String: Any] ?? [:]
            let single = try templatePieces("single", processor, specials, lookup)
            var template = SpecialTokenTemplate()
            var seenSequence = false
            for piece in single {
                switch piece {
                case .first, .second: seenSequence = true
                case .special(let ids, _):
                    if seenSequence { template.suffix += ids } else { template.prefix += ids }
                }
            }
            template.pair = try templatePieces("pair", processor, specials, lookup)
            return template
        default:
            throw TokenizerError.unsupported(path: path, component: "post_processor", type: type)
        }
    }

    /// The pieces of `post_processor.<key>` of a `TemplateProcessing`.
    private func templatePieces(_ key: String, _ processor: [String: Any], _ specials: [String: Any],
                                _ lookup: (String) -> Int?) throws -> [SpecialTokenTemplate.Piece] {
        guard let list = processor[key] as? [[String: Any]] else {
            throw fail("post_processor.\(key)", "is missing or not a list")
        }
        return try list.enumerated().map { index, piece in
            let at = "post_processor.\(key)[\(index)]"
            if let sequence = piece["Sequence"] as? [String: Any] {
                let typeID = (sequence["type_id"] as? NSNumber)?.intValue ?? 0
                switch sequence["id"] as? String {
                case "A": return .first(typeID: typeID)
                case "B": return .second(typeID: typeID)
                default: throw fail("\(at).Sequence.id", "is not A or B")
                }
            }
            guard let special = piece["SpecialToken"] as? [String: Any], let name = special["id"] as? String else {
                throw fail(at, "is neither a Sequence nor a SpecialToken")
            }
            let typeID = (special["type_id"] as? NSNumber)?.intValue ?? 0
            if let entry = specials[name] as? [String: Any], let listed = entry["ids"] as? [NSNumber] {
                return .special(listed.map(\.intValue), typeID: typeID)
            }
            guard let id = lookup(name) else {
                throw TokenizerError.missingToken(path: path, token: name, role: "post-processor")
            }
            return .special([id], typeID: typeID)
        }
    }
}
