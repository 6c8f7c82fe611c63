// train-lm — trains a small GPT from scratch on your own text (a file or a folder of .txt files):
// byte-level by default, checkpoints and resume, validation loss and perplexity, samples as it
// learns, generation at the end.
//
//   swift run --package-path Examples -c release train-lm my-book.txt --steps 2000 --sample-every 250
//   swift run --package-path Examples -c release train-lm Documentation --extensions md --generate 300
import ArgumentParser
import Foundation
import LMSupport

struct TrainLM: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-lm",
        abstract: "Trains a GPT language model from scratch on a text file or a folder of text files.",
        discussion: """
            The text is tokenised (one token per UTF-8 byte unless --tokenizer), each file followed by the \
            end-of-text id, and cut into blocks of --block-size + 1 tokens (--block-size is the model's context). \
            A --validation fraction of the blocks is held out: its loss and perplexity are reported. Writes \
            checkpoints/, metrics.jsonl, training_curves.svg, model.safetensors and result.json into --output. \
            Flags follow nanoGPT where it has them (block_size, n_layer, n_embd, n_head, max_iters, \
            batch_size, learning_rate, warmup_iters, eval_interval).
            """)

    @Argument(help: ArgumentHelp("A UTF-8 text file, or a folder whose files are read in sorted order.", valueName: "TEXT"))
    var text: String

    @Option(parsing: .upToNextOption, help: "Extensions read from a folder.")
    var extensions = ["txt"]

    @Option(help: ArgumentHelp("A tokenizer.json (or a folder with one) instead of bytes.", valueName: "FILE"))
    var tokenizer: String?

    @Option(help: "The model's context in tokens; each block holds one more, the last target (nanoGPT: block_size).")
    var blockSize = 128

    @Option(help: "Tokens between block starts, 1...block size; less than the block size overlaps blocks (default: the block size).")
    var stride: Int?

    @Option(help: "Transformer blocks (nanoGPT: n_layer).")
    var layers = 4

    @Option(help: "Model width (nanoGPT: n_embd).")
    var width = 128

    @Option(help: "Attention heads; they divide the width (nanoGPT: n_head).")
    var heads = 4

    @Option(help: "Dropout (nanoGPT: dropout).")
    var dropout = 0.0

    @Option(help: "Optimizer steps (nanoGPT: max_iters; HF: max_steps).")
    var steps = 1000

    @Option(help: "Blocks per step (nanoGPT: batch_size).")
    var batchSize = 16

    @Option(name: .customLong("lr"), help: "Peak AdamW learning rate; cosine decay to a tenth of it (nanoGPT: learning_rate).")
    var learningRate = 1e-3

    @Option(help: "Linear warmup steps (nanoGPT: warmup_iters; HF: warmup_steps).")
    var warmup = 100

    @Option(help: "AdamW weight decay.")
    var weightDecay = 0.01

    @Option(help: "Fraction of the text held out for the validation loss, in [0, 1).")
    var validation = 0.1

    @Option(help: "Validation loss and perplexity every N steps; 0: at the end only (nanoGPT: eval_interval).")
    var evalEvery = 100

    @Option(help: "Checkpoint every N steps; 0: at the end only.")
    var saveEvery = 500

    @Flag(help: "Continue from the latest checkpoint in --output (same text and model flags).")
    var resume = false

    @Option(help: "Print a sample every N steps; 0: never.")
    var sampleEvery = 0

    @Option(help: "Text the samples continue (default: the start of a new document).")
    var samplePrompt = ""

    @Option(help: "Tokens per sample.")
    var sampleLength = 200

    @Option(help: "Sampling temperature; 0 is greedy.")
    var temperature = 0.8

    @Option(help: "Sample among the K most likely tokens; 0: all.")
    var topK = 40

    @Option(help: "After training, generate N tokens from --sample-prompt.")
    var generate = 0

    @Option(help: "Seed of the weights, the validation split, the data order, dropout and sampling.")
    var seed: UInt64 = 0

    @Option(help: "Output folder.")
    var output = "runs/train-lm"

    var settings: TrainLMSettings {
        var s = TrainLMSettings(text: text)
        s.extensions = extensions
        s.tokenizer = tokenizer
        s.blockSize = blockSize
        s.stride = stride
        s.layers = layers
        s.width = width
        s.heads = heads
        s.dropout = dropout
        s.steps = steps
        s.batchSize = batchSize
        s.learningRate = learningRate
        s.warmup = warmup
        s.weightDecay = weightDecay
        s.validation = validation
        s.evaluateEvery = evalEvery
        s.saveEvery = saveEvery
        s.resume = resume
        s.sampleEvery = sampleEvery
        s.samplePrompt = samplePrompt
        s.sampleLength = sampleLength
        s.temperature = temperature
        s.topK = topK
        s.generate = generate
        s.seed = seed
        s.output = output
        return s
    }

    func validate() throws {
        do { try settings.validate() } catch { throw ValidationError(error.description) }
    }

    func run() throws {
        do {
            let result = try TrainLMRun(settings: settings).run()
            let perplexity = result.validationPerplexity.map { String(format: "validation perplexity %.2f, ", $0) } ?? ""
            print(String(format: "%d steps, %.0f ms/step, %@%@ parameters → %@/result.json", result.steps,
                         1000 * result.secondsPerStep, perplexity, String(result.parameters), output))
        } catch let error as TrainLMError {
            throw ValidationError(error.description)
        }
    }
}

TrainLM.main()
