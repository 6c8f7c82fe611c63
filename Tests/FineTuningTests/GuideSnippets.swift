import Foundation

/// The ` ```swift ` blocks of one Markdown guide, turned into one Swift file that type-checks only
/// if every block compiles as printed.
///
/// A guide is read top to bottom, so each block sees what the blocks above it declared: block N
/// becomes the body of a `do {` nested inside block N−1's, which also lets a later block reuse a
/// name. A block that declares an `extension` or a `protocol` goes to file scope, where Swift
/// requires those. `import` lines are gathered at the top. A guide that prints none is read as
/// continuing the file Getting Started sets up: `import Foundation` and the module it documents
/// (`FineTuning` for README.md and Documentation/, the catalog's module for a DocC article). A
/// guide that prints imports gets only those, so a missing `import Foundation` shows.
///
/// An HTML comment on the line before a block (invisible in the rendered page) can say what the
/// block assumes the reader already has, or that it is not Swift on its own:
///
///     <!-- snippet given: model: SequenceClassifier, url: URL -->
///     <!-- snippet not compiled: a fragment of Package.swift -->
///
/// `#sourceLocation` lines map every diagnostic back to the guide's own file and line.
struct GuideSnippets {
    /// One fenced block.
    struct Block {
        /// The guide's line number of the block's first code line.
        var firstLine: Int
        var lines: [String]
        /// `name: Type` declarations from a `snippet given:` comment.
        var given: [String] = []
        /// Why the block is not compiled (`snippet not compiled:`), or nil.
        var notCompiledReason: String?

        var isFileScope: Bool {
            lines.contains { $0.hasPrefix("extension ") || $0.hasPrefix("protocol ") }
        }
    }

    enum ParseError: Error, CustomStringConvertible {
        case unclosedFence(path: String, line: Int)
        case malformedGiven(path: String, line: Int, text: String)

        var description: String {
            switch self {
            case .unclosedFence(let path, let line): "\(path):\(line): a ```swift block is never closed"
            case .malformedGiven(let path, let line, let text): "\(path):\(line): '\(text)' is not 'name: Type'"
            }
        }
    }

    /// The guide's path relative to the package root, as diagnostics print it.
    let path: String
    let blocks: [Block]
    /// What a guide without `import` lines is assumed to import.
    let defaultImport: String

    init(markdown: String, path: String) throws {
        self.path = path
        let components = path.split(separator: "/")
        if let catalog = components.first(where: { $0.hasSuffix(".docc") }) {
            defaultImport = String(catalog.dropLast(".docc".count))
        } else {
            defaultImport = "FineTuning"
        }
        var blocks: [Block] = []
        var previous = ""          // the last non-blank line outside a block
        var open: (block: Block, indent: Int)?
        for (index, line) in markdown.components(separatedBy: "\n").enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if var current = open {
                if trimmed.hasPrefix("```") {
                    blocks.append(current.block)
                    open = nil
                } else {
                    current.block.lines.append(String(line.dropFirst(min(current.indent, line.prefix { $0 == " " }.count))))
                    open = current
                }
                continue
            }
            if trimmed == "```swift" {
                var block = Block(firstLine: index + 2, lines: [])
                if let reason = Self.comment(previous, keyword: "snippet not compiled:") {
                    block.notCompiledReason = reason
                } else if let given = Self.comment(previous, keyword: "snippet given:") {
                    block.given = try Self.splitTopLevel(given).map { declaration in
                        guard declaration.contains(":") else {
                            throw ParseError.malformedGiven(path: path, line: index, text: declaration)
                        }
                        return declaration
                    }
                }
                open = (block, line.prefix { $0 == " " }.count)
            } else if !trimmed.isEmpty {
                previous = trimmed
            }
        }
        if let open { throw ParseError.unclosedFence(path: path, line: open.block.firstLine - 1) }
        self.blocks = blocks
    }

    /// The Swift file: imports, file-scope blocks, then the other blocks nested in reading order.
    func swiftSource() -> String {
        let compiled = blocks.filter { $0.notCompiledReason == nil }
        var imports: [String] = []
        for block in compiled {
            for line in block.lines where Self.isImport(line) && !imports.contains(line) { imports.append(line) }
        }
        if imports.isEmpty { imports = ["import Foundation", "import \(defaultImport)"] }

        var source = "// Generated from \(path): its ```swift blocks, as printed.\n"
        source += imports.joined(separator: "\n") + "\n\n"
        source += "/// A value the guide's text assumes (`snippet given:`); the file is only type-checked.\n"
        source += "func snippetGiven<T>() -> T { fatalError(\"type-checked only\") }\n"
        for block in compiled where block.isFileScope {
            source += located(block) + "\n"
        }
        let nested = compiled.filter { !$0.isFileScope }
        for block in nested {
            source += "do {\n"
            for declaration in block.given {
                let colon = declaration.firstIndex(of: ":")!
                let name = declaration[..<colon].trimmingCharacters(in: .whitespaces)
                let type = declaration[declaration.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                source += "let \(name): \(type) = snippetGiven()\n"
            }
            source += located(block) + "\n"
        }
        source += String(repeating: "}\n", count: nested.count)
        return source
    }

    /// The block's lines under a `#sourceLocation` naming the guide; imports become blank lines
    /// (they are hoisted) so line numbers still match.
    private func located(_ block: Block) -> String {
        let body = block.lines.map { Self.isImport($0) ? "" : $0 }
        return "#sourceLocation(file: \"\(path)\", line: \(block.firstLine))\n"
            + body.joined(separator: "\n") + "\n#sourceLocation()"
    }

    private static func isImport(_ line: String) -> Bool {
        line.hasPrefix("import ") && !line.contains("(")
    }

    /// The text after `keyword` in `<!-- keyword text -->`, or nil when `line` is not that comment.
    private static func comment(_ line: String, keyword: String) -> String? {
        guard line.hasPrefix("<!--"), line.hasSuffix("-->") else { return nil }
        let inner = line.dropFirst(4).dropLast(3).trimmingCharacters(in: .whitespaces)
        guard inner.hasPrefix(keyword) else { return nil }
        return inner.dropFirst(keyword.count).trimmingCharacters(in: .whitespaces)
    }

    /// Splits at commas outside brackets and parentheses (`a: [String: Int], b: (Int) -> Void`).
    private static func splitTopLevel(_ text: String) -> [String] {
        var parts: [String] = [], current = "", depth = 0
        for character in text {
            switch character {
            case "[", "(": depth += 1
            case "]", ")": depth -= 1
            case "," where depth == 0:
                parts.append(current.trimmingCharacters(in: .whitespaces)); current = ""; continue
            default: break
            }
            current.append(character)
        }
        if !current.trimmingCharacters(in: .whitespaces).isEmpty { parts.append(current.trimmingCharacters(in: .whitespaces)) }
        return parts
    }
}
