import TensorKit

/// Why a ``TextGenerator`` stopped.
public enum StopReason: String, Sendable, Equatable, Codable {
    /// A stop token (end of sequence or of the turn) was produced.
    case stopToken
    /// The text reached one of the stop strings.
    case stopString
    /// `maxNewTokens` tokens were produced, or the model ran out of positions.
    case length
}

/// What one ``TextGenerator/generate(promptIDs:maxNewTokens:sampling:stopStrings:generator:cache:onPromptLogits:onText:)`` produced.
public struct GeneratedText: Sendable, Equatable {
    /// The token ids that were fed to the model.
    public var promptIDs: [Int]
    /// The ids produced, including a final stop token or the tokens that completed a stop string.
    public var outputIDs: [Int]
    /// The decoded output without special tokens, cut before a stop string.
    public var text: String
    /// Why generation ended.
    public var stopReason: StopReason
}

/// A language model with its tokenizer: token ids in, text out, streamed as it is produced,
/// stopping at end-of-sequence tokens or at stop strings.
///
/// Streaming never hands out a partial UTF-8 character (byte-level BPE tokens can split one) nor
/// the start of a stop string that may still complete: such text is held back until it is
/// certain. The text returned and streamed ends before the stop string, as llama.cpp's server
/// does; the ids keep the tokens that produced it.
///
/// ```swift
/// let generator = TextGenerator(model: gpt, tokenizer: tokenizer)
/// let result = generator.generate(promptIDs: ids, maxNewTokens: 64, stopStrings: ["\n\n"]) { print($0, terminator: "") }
/// ```
public struct TextGenerator {
    /// The model.
    public let model: GPT
    /// Turns ids into text.
    public let tokenizer: any Tokenizer
    /// The ids that end generation; the tokenizer's end-of-sequence id by default.
    public var stopTokens: Set<Int>

    /// A generator for `model` and `tokenizer`, stopping at `stopTokens` (the tokenizer's
    /// end-of-sequence id when nil).
    public init(model: GPT, tokenizer: any Tokenizer, stopTokens: Set<Int>? = nil) {
        self.model = model
        self.tokenizer = tokenizer
        self.stopTokens = stopTokens ?? Set([tokenizer.specialTokens.eos].compactMap { $0 })
    }

    /// Continues `promptIDs`, streaming the text through `onText` as it becomes certain.
    ///
    /// - Parameters:
    ///   - promptIDs: the encoded prompt (chat template already applied, if any).
    ///   - maxNewTokens: the most tokens to produce.
    ///   - sampling: how each token is picked (greedy by default).
    ///   - stopStrings: texts that end generation; the result is cut before the first one found.
    ///   - generator: the random source of sampled picks (the thread's default when nil).
    ///   - cache: keys and values holding the first `cache.length` prompt tokens from an earlier
    ///     call, which this call extends (see ``GPT/generate(_:maxNewTokens:sampling:stopTokens:generator:useCache:cache:onPromptLogits:onToken:)``).
    ///   - onPromptLogits: receives the logits at the last prompt position, once.
    ///   - onText: receives each new piece of text, in order; their concatenation is `text`.
    public func generate(promptIDs: [Int], maxNewTokens: Int, sampling: SamplingParameters = .greedy,
                         stopStrings: [String] = [], generator: Generator? = nil, cache: KVCache? = nil,
                         onPromptLogits: ([Float]) -> Void = { _ in },
                         onText: (String) -> Void = { _ in }) -> GeneratedText {
        var stream = TextStream(tokenizer: tokenizer, stopStrings: stopStrings.filter { !$0.isEmpty })
        var reason = StopReason.length
        let output = model.generate(promptIDs, maxNewTokens: maxNewTokens, sampling: sampling,
                                    stopTokens: stopTokens, generator: generator, cache: cache,
                                    onPromptLogits: onPromptLogits) { token in
            if stopTokens.contains(token) { reason = .stopToken; return false }
            if stream.append(token, emit: onText) { reason = .stopString; return false }
            return true
        }
        if reason != .stopString { stream.finish(emit: onText) }
        return GeneratedText(promptIDs: promptIDs, outputIDs: output, text: stream.emitted, stopReason: reason)
    }
}

/// The decoded text of a growing list of ids, released once it can no longer change.
struct TextStream {
    let tokenizer: any Tokenizer
    let stopStrings: [String]
    private(set) var ids: [Int] = []
    /// Everything released so far.
    private(set) var emitted = ""
    private var emittedScalars = 0

    init(tokenizer: any Tokenizer, stopStrings: [String]) {
        self.tokenizer = tokenizer
        self.stopStrings = stopStrings
    }

    /// Adds a token; releases what became certain. Returns true when a stop string appeared
    /// (everything before it has then been released).
    mutating func append(_ id: Int, emit: (String) -> Void) -> Bool {
        ids.append(id)
        let scalars = Array(tokenizer.decode(ids, skipSpecialTokens: true).unicodeScalars)
        if let cut = firstStop(in: scalars) {
            release(scalars[..<cut], emit: emit)
            return true
        }
        // Hold back an incomplete character (decoded as U+FFFD) and a possible stop-string start.
        var end = scalars.count
        while end > emittedScalars && scalars[end - 1] == "\u{FFFD}" { end -= 1 }
        end -= longestStopPrefix(endingAt: end, in: scalars)
        release(scalars[..<end], emit: emit)
        return false
    }

    /// Releases the rest (generation ended for another reason).
    mutating func finish(emit: (String) -> Void) {
        release(ArraySlice(tokenizer.decode(ids, skipSpecialTokens: true).unicodeScalars), emit: emit)
    }

    private mutating func release(_ scalars: ArraySlice<Unicode.Scalar>, emit: (String) -> Void) {
        guard scalars.count > emittedScalars else { return }
        var piece = String.UnicodeScalarView()
        piece.append(contentsOf: scalars[(scalars.startIndex + emittedScalars)...])
        let text = String(piece)
        emitted += text
        emittedScalars = scalars.count
        emit(text)
    }

    /// The scalar offset of the earliest stop string in `scalars`, if any.
    private func firstStop(in scalars: [Unicode.Scalar]) -> Int? {
        var best: Int?
        for stop in stopStrings {
            let pattern = Array(stop.unicodeScalars)
            guard pattern.count <= scalars.count else { continue }
            // Only a match that ends in text not yet released can be new.
            let from = Swift.max(0, emittedScalars - pattern.count + 1), last = scalars.count - pattern.count
            guard from <= last else { continue }
            for start in from...last where scalars[start] == pattern[0] {
                if scalars[start..<(start + pattern.count)].elementsEqual(pattern) {
                    best = Swift.min(best ?? start, start)
                    break
                }
            }
        }
        return best
    }

    /// The length of the longest proper prefix of a stop string that ends `scalars[..<end]`.
    private func longestStopPrefix(endingAt end: Int, in scalars: [Unicode.Scalar]) -> Int {
        var longest = 0
        for stop in stopStrings {
            let pattern = Array(stop.unicodeScalars)
            for length in stride(from: Swift.min(pattern.count - 1, end - emittedScalars), to: longest, by: -1)
            where scalars[(end - length)..<end].elementsEqual(pattern[..<length]) {
                longest = length
                break
            }
        }
        return longest
    }
}
