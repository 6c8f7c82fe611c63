import Foundation
import Testing
import FuzzTargets

/// The committed fuzz corpus (seeds and the regression input of every crash found, under
/// `Fuzz/corpus/<target>/`) through the same reading code `make fuzz` drives: each input must
/// load or throw, never trap. A regression input must throw (it is a lie the library refuses).
@Suite struct FuzzCorpusReplayTests {
    @Test(arguments: FuzzTarget.all.map(\.name))
    func corpusReplays(target name: String) throws {
        let target = try #require(FuzzTarget.named(name))
        let names = try FileManager.default.contentsOfDirectory(atPath: target.corpus.path).sorted()
        #expect(names.contains { $0.hasPrefix("seed-") }, "no seed for \(name)")
        for file in names {
            let data = try Data(contentsOf: target.corpus.appendingPathComponent(file))
            if file.hasPrefix("regression-") {
                #expect(throws: (any Error).self, "\(name)/\(file) loaded") { try target.run(data) }
            } else if file.hasPrefix("seed-") {
                #expect(throws: Never.self, "\(name)/\(file)") { try target.run(data) }
            }
        }
    }
}
