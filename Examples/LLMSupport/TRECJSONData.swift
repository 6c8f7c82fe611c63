import Foundation
import FineTuning

/// The fixed-JSON task as chat JSONL files (`train.jsonl`, `valid.jsonl`, `test.jsonl`), the
/// format `finetune-llm --data` reads, written so a user can look at (and reuse) exactly what
/// the model trained on.
public enum TRECJSONData {
    /// The records of `questions` (instruction, question, answer).
    public static func records(_ questions: [TRECQuestion]) -> [SFTRecord] {
        questions.map { .chat(TRECJSONTask.trainingMessages(for: $0)) }
    }

    /// Writes the three files into `folder` (each file whole or not at all).
    public static func write(train: [TRECQuestion], validation: [TRECQuestion], test: [TRECQuestion], to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, questions) in [("train", train), ("valid", validation), ("test", test)] {
            var text = ""
            for question in questions {
                let messages = TRECJSONTask.trainingMessages(for: question).map { ["role": $0.role, "content": $0.content] }
                let data = try JSONSerialization.data(withJSONObject: ["messages": messages], options: [.sortedKeys, .withoutEscapingSlashes])
                text += String(decoding: data, as: UTF8.self) + "\n"
            }
            try Data(text.utf8).write(to: folder.appendingPathComponent("\(name).jsonl"), options: .atomic)
        }
    }
}
