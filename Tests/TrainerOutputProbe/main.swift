// A program that prints around a short training run, as a user's program does. With its stdout
// a pipe, TrainingOutputOrderTests checks the lines come out in the order they were written.
import FineTuning

print("before training")
let model = SequenceClassifier(EncoderConfig(vocabularySize: 259, dim: 8, layers: 1, heads: 2, hidden: 16),
                               classes: 2, generator: Generator(seed: 0))
let data = ArrayDataset(["good", "fine", "bad", "awful"].enumerated().map { index, text in
    TextClassificationExample(text: text, label: index < 2 ? 1 : 0)
})
var config = TrainerConfiguration(epochs: 1, batchSize: 2)
config.logEvery = 1
config.progress = .automatic   // plain lines when stdout is not a terminal
let trainer = Trainer(model: model, optimizer: AdamW(model: model, learningRate: 1e-3), trainData: data,
                      collator: TextClassificationCollator(tokenizer: ByteTokenizer()), configuration: config,
                      loss: ClassificationLoss(model))
_ = try trainer.train()
print("after training")
