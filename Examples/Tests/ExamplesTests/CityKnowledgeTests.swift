import Foundation
import Testing
@testable import RAGSupport

@Suite struct CityKnowledgeTests {
    /// Cities with made-up but valid facts, plus some that must never be drawn.
    private func cities(_ count: Int) -> [City] {
        let zones = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"]
        var cities = (0..<count).map { i in
            City(id: 1000 + i, name: "Placeton \(String(UnicodeScalar(UInt8(65 + i % 26))))\(String(repeating: "x", count: i / 26 + 1))",
                 state: CityFact.states[i % 50], ianaTimeZone: zones[i % 4], population: 500 * (i + 1), elevation: Double(40 * i))
        }
        cities.append(City(id: 1, name: "Washington Park", state: "Ohio", ianaTimeZone: zones[0], population: 10, elevation: 1))
        cities.append(City(id: 2, name: "Twin Falls", state: "Ohio", ianaTimeZone: zones[0], population: 10, elevation: 1))
        cities.append(City(id: 3, name: "Twin Falls", state: "Iowa", ianaTimeZone: zones[1], population: 10, elevation: 1))
        cities.append(City(id: 4, name: "Far Away", state: "Ohio", ianaTimeZone: "Europe/Paris", population: 10, elevation: 1))
        cities.append(City(id: 5, name: "High Point", state: "Ohio", ianaTimeZone: zones[0], population: 10, elevation: 1))
        return cities
    }

    @Test func drawIsSeededDisjointAndSkipsAmbiguousNames() throws {
        let all = cities(60)
        let a = try CityKnowledge.draw(from: all, known: 20, abstain: 5, unknown: 8, seed: 7)
        #expect(a == (try CityKnowledge.draw(from: all.reversed(), known: 20, abstain: 5, unknown: 8, seed: 7)))
        #expect(a != (try CityKnowledge.draw(from: all, known: 20, abstain: 5, unknown: 8, seed: 8)))
        let drawn = a.known + a.abstainTraining + a.unknown
        #expect(a.known.count == 20 && a.abstainTraining.count == 5 && a.unknown.count == 8)
        #expect(Set(drawn.map(\.id)).count == drawn.count)
        #expect(drawn.allSatisfy { $0.id >= 1000 }, "a state in the name, a repeated name, an unnamed zone or a short word qualified")
        #expect(throws: (any Error).self) { try CityKnowledge.draw(from: all, known: 50, abstain: 5, unknown: 8, seed: 7) }
    }

    @Test func valuesBandsAndPassages() {
        let boise = City(id: 9, name: "Boise", state: "Idaho", ianaTimeZone: "America/Boise", population: 235_684, elevation: 824)
        #expect(CityFact.allCases.map { boise.value(of: $0) } == ["Idaho", "Mountain", "large", "high"])
        #expect(CityFact.populationBand(1_999) == "small" && CityFact.populationBand(2_000) == "medium")
        #expect(CityFact.elevationBand(149.9) == "low" && CityFact.elevationBand(500) == "moderate")
        #expect(CityFact.timeZoneName("America/Indiana/Knox") == "Central" && CityFact.timeZoneName("Asia/Tokyo") == nil)
        let passage = CityKnowledge.passage(for: boise)
        #expect(passage.id == "9")
        for value in ["Boise", "Idaho", "Mountain", "large", "high"] { #expect(passage.text.contains(value)) }
    }

    @Test func updateChangesEachFactToAnotherValue() throws {
        let knowledge = try CityKnowledge.draw(from: cities(60), known: 20, abstain: 5, unknown: 8, seed: 1)
        let (updated, changes) = knowledge.updated(changing: 30, seed: 1)
        #expect(changes.count == 30)
        #expect(Set(changes.map { "\($0.city.id)/\($0.fact)" }).count == 30)
        for change in changes {
            #expect(change.oldValue != change.newValue)
            #expect(updated.first { $0.id == change.city.id }?.value(of: change.fact) == change.newValue)
            #expect(knowledge.known.first { $0.id == change.city.id }?.value(of: change.fact) == change.oldValue)
        }
        let untouched = Set(knowledge.known.map(\.id)).subtracting(changes.map(\.city.id))
        #expect(untouched.allSatisfy { id in updated.first { $0.id == id } == knowledge.known.first { $0.id == id } })
    }

    @Test func questionsKeepOnePhrasingForTestOnly() throws {
        let knowledge = try CityKnowledge.draw(from: cities(60), known: 10, abstain: 3, unknown: 4, seed: 2)
        let set = CityQuestionSet(knowledge: knowledge, limit: 25, seed: 2)
        #expect(set.train.count == 10 * 4 * 3 + 3 * 4)
        #expect(set.seen.count == 25 && set.unseenPhrasing.count == 25 && set.unknown.count == 16)
        #expect(set.seen.allSatisfy { CityQuestion.seenPhrasings.contains($0.phrasing) })
        #expect(set.unseenPhrasing.allSatisfy { $0.phrasing == CityQuestion.unseenPhrasing })
        #expect(zip(set.seen, set.unseenPhrasing).allSatisfy { $0.city == $1.city && $0.fact == $1.fact })
        let unseenTexts = Set(set.unseenPhrasing.map(\.text))
        let trainedTexts = set.train.compactMap { record -> String? in
            if case .chat(let messages) = record { return messages.first { $0.role == "user" }?.content }
            return nil
        }
        #expect(trainedTexts.count == set.train.count && unseenTexts.isDisjoint(with: trainedTexts))
        let unknownIDs = Set(knowledge.unknown.map(\.id))
        #expect(set.unknown.allSatisfy { unknownIDs.contains($0.city.id) })
        let again = CityQuestionSet(knowledge: knowledge, limit: 25, seed: 2)
        #expect(again.seen == set.seen && again.unknown == set.unknown && again.train == set.train)
        let (questions, retrain) = CityQuestionSet.update(knowledge.updated(changing: 6, seed: 2).changes, knowledge: knowledge, seed: 2)
        #expect(questions.count == 6 && retrain.count == 6 * 3 + 6 * 3 / 2)
    }

    @Test func readsTheGeoNamesColumns() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cities-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: url) }
        try """
            ,geonameid,asciiname,alternatenames,population,elevation,timezone,state
            0,42,Boise,"Boise,""City of Trees""
            Boise City",235684,824.0,America/Boise,Idaho
            1,43,Nowhere,,12,,America/Chicago,Iowa
            """.write(to: url, atomically: true, encoding: .utf8)
        #expect(try City.read(from: url) == [City(id: 42, name: "Boise", state: "Idaho", ianaTimeZone: "America/Boise", population: 235_684, elevation: 824)])
        #expect(throws: (any Error).self) { try City.read(from: url.appendingPathExtension("missing")) }
    }
}
