import Foundation
import FineTuning
import LLMSupport

let root = URL(fileURLWithPath: CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : ".")
let questions = try TRECQuestions.read(from: root.appendingPathComponent("data/trec-questions.txt"))
let split = try TRECQuestions.split(questions, testCount: 500, validationCount: 200, seed: 42)
print(questions.count, split.train.count)
let llm = try PretrainedLLM(contentsOf: root.appendingPathComponent("data/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"), quantized: CommandLine.arguments.count > 3)
var eval = TRECJSONEvaluation(llm: llm, examples: TRECJSONTask.fewShotExamples(from: split.train))
let n = Int(CommandLine.arguments.count > 2 ? CommandLine.arguments[2] : "40")!
let start = Date()
let (metrics, answers) = try eval.run(on: Array(split.test.prefix(n)))
print(metrics, Date().timeIntervalSince(start))
for a in answers.prefix(5) { print(a.question.text, "→", a.output) }
