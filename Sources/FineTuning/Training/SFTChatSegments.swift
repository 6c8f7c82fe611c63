import Foundation

/// Cuts a conversation rendered by its chat template into the spans that train (each assistant
/// turn's content and the end-of-turn text the template writes after it, `<|im_end|>\n` in
/// ChatML) and those that do not (system and user turns, the assistant's header).
///
/// The boundaries come from the template itself rather than from knowing its syntax: the start of
/// assistant turn `i` is the end of `messages[..<i]` rendered with the generation prompt, its end
/// is the end of `messages[...i]` rendered without it. Both must be prefixes of the whole
/// conversation's rendering; a template that rewrites earlier turns when more follow is refused
/// (``SFTEncodingError/Reason/notAPrefix(messageIndex:)``) rather than guessed at.
struct SFTChatSegments {
    let template: ChatTemplate
    let bosToken: String?
    let eosToken: String?
    /// One time for every render of a conversation, so a template that prints the date cannot
    /// change between a prefix and the whole.
    let now: Date

    /// One span of the rendered text.
    struct Segment {
        var text: String
        var trained: Bool
    }

    /// `messages` rendered, with the assistant's header opened at the end when `generationPrompt`.
    func render(_ messages: ArraySlice<ChatMessage>, generationPrompt: Bool) throws(SFTEncodingError) -> String {
        do {
            return try template.render(messages: Array(messages), addGenerationPrompt: generationPrompt,
                                       bosToken: bosToken, eosToken: eosToken, now: now)
        } catch {
            throw SFTEncodingError(.templateFailed(String(describing: error)))
        }
    }

    /// The spans of `messages` rendered, in order; concatenated they are the whole rendering.
    func segments(of messages: [ChatMessage]) throws(SFTEncodingError) -> [Segment] {
        let whole = try render(messages[...], generationPrompt: false)
        let bytes = Array(whole.utf8)
        var segments: [Segment] = []
        var cursor = 0
        func append(upTo end: Int, trained: Bool) {
            guard end > cursor else { return }
            segments.append(Segment(text: String(decoding: bytes[cursor..<end], as: UTF8.self), trained: trained))
            cursor = end
        }
        /// The byte length of `prefix`, checked to start `whole` and not to end before `cursor`.
        func boundary(_ prefix: String, message index: Int) throws(SFTEncodingError) -> Int {
            let count = prefix.utf8.count
            guard count >= cursor, count <= bytes.count, bytes.starts(with: prefix.utf8) else {
                throw SFTEncodingError(.notAPrefix(messageIndex: index))
            }
            return count
        }
        for (index, message) in messages.enumerated() where message.role == "assistant" {
            append(upTo: try boundary(render(messages[..<index], generationPrompt: true), message: index), trained: false)
            let end = index == messages.count - 1
                ? bytes.count
                : try boundary(render(messages[...index], generationPrompt: false), message: index)
            append(upTo: end, trained: true)
        }
        append(upTo: bytes.count, trained: false)
        return segments
    }
}
