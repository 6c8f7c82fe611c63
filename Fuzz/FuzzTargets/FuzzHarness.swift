import Foundation
import FineTuning

/// The per-target reading code: each writes the bytes where the library expects a file and
/// opens it the way a user does, then uses what was loaded (a forward pass, an encoding), since
/// a lie may only show when the data is used.
enum FuzzHarness {
    /// The repository root (this file is `Fuzz/FuzzTargets/FuzzHarness.swift`).
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// A fresh scratch folder per input, removed afterwards.
    static func withFolder(_ body: (URL) throws -> Void) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try body(folder)
    }

    static func safetensors(_ bytes: Data) throws {
        try withFolder { folder in
            let url = folder.appendingPathComponent("model.safetensors")
            try bytes.write(to: url)
            for mapped in [true, false] {
                let tensors = try SafeTensorsFile(contentsOf: url, mapped: mapped).tensors()
                for tensor in tensors.values where tensor.dtype.isFloatingPoint { _ = tensor.cast(to: .float64).sum().item() }
            }
        }
    }

    static func gguf(_ bytes: Data) throws {
        try withFolder { folder in
            let url = folder.appendingPathComponent("model.gguf")
            try bytes.write(to: url)
            let file = try GGUFFile(contentsOf: url)
            for key in file.metadata.keys { _ = file.metadata[key] }
            for info in file.tensorInfos where info.byteCount < 1 << 26 {
                _ = try file.tensor(named: info.name).sum().item()
            }
        }
    }

    static func tokenizerJSON(_ bytes: Data) throws {
        try withFolder { folder in
            let url = folder.appendingPathComponent("tokenizer.json")
            try bytes.write(to: url)
            try exercise(AutoTokenizer.load(from: url))
        }
    }

    static func vocabularyText(_ bytes: Data) throws {
        try withFolder { folder in
            let url = folder.appendingPathComponent("vocab.txt")
            try bytes.write(to: url)
            try exercise(AutoTokenizer.load(from: url))
        }
    }

    static func exercise(_ tokenizer: any Tokenizer) {
        let ids = tokenizer.encode("Hello, world! Ünïcödé 😀 <|endoftext|> [CLS]", addSpecialTokens: true)
        _ = tokenizer.decode(ids)
        _ = tokenizer.addingSpecialTokens(to: ids, pairedWith: ids)
    }

    /// `config.json` beside a fixed tiny BERT checkpoint (2 layers, width 8, 12 tokens).
    static func configJSON(_ bytes: Data) throws {
        try withFolder { folder in
            try TinyBert.writeCheckpoint(into: folder)
            try bytes.write(to: folder.appendingPathComponent("config.json"))
            let model = try PretrainedEncoder(directory: folder)
            let batch = model.tokenizer.encodeBatch(["hello world", "the cats"], maxLength: 8)
            _ = withGradientsDisabled { model.encoder(batch.idsTensor(), mask: batch.attentionMaskTensor()) }
        }
    }

    /// `adapter_config.json` beside the LoRA weights PEFT wrote for the tiny BERT of the fixtures.
    static func adapterConfig(_ bytes: Data) throws {
        try withFolder { folder in
            let adapter = folder.appendingPathComponent("adapter")
            try FileManager.default.createDirectory(at: adapter, withIntermediateDirectories: true)
            try bytes.write(to: adapter.appendingPathComponent("adapter_config.json"))
            try FileManager.default.copyItem(
                at: repository.appendingPathComponent("Tests/Fixtures/peft_tiny_bert_adapter/adapter_model.safetensors"),
                to: adapter.appendingPathComponent("adapter_model.safetensors"))
            let encoder = TinyBert.peftBase()
            try encoder.loadHuggingFaceAdapter(from: adapter)
            encoder.train()   // adapter dropout takes part
            let ids = Tensor([2, 5, 6, 3] as [Int32], shape: [1, 4])
            _ = encoder(ids, mask: Tensor.ones([1, 4]))
        }
    }

    /// A CSV dataset read with a fixed two-class label set, as the spam example does.
    static func csvDataset(_ bytes: Data) throws {
        try withFolder { folder in
            let url = folder.appendingPathComponent("data.csv")
            try bytes.write(to: url)
            var labels = LabelMap(names: ["ham", "spam"])
            _ = try CSVReader(textColumn: "text", labelColumn: "spam").readClassification(from: url, labels: &labels)
            var growing = LabelMap()
            _ = try? CSVReader(textColumn: "text", labelColumn: "spam").readClassification(from: url, labels: &growing)
        }
    }

    static func jsonlDataset(_ bytes: Data) throws {
        try withFolder { folder in
            let url = folder.appendingPathComponent("data.jsonl")
            try bytes.write(to: url)
            var labels = LabelMap(names: ["negative", "positive"])
            _ = try JSONLReader().readClassification(from: url, labels: &labels)
            _ = try? JSONLReader().readLanguageModeling(from: url)
        }
    }
}
