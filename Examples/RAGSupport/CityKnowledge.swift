import ExampleSupport
import FineTuning
import Foundation
import Retrieval

/// The knowledge `compare-rag` teaches or retrieves: a fixed, seeded draw of cities with
/// unambiguous names, split into the cities the paths know (trained and indexed), cities the
/// fine-tuned model learns to say "I don't know" about, and cities no path ever sees.
public struct CityKnowledge: Codable, Sendable, Equatable {
    /// Trained into the fine-tuned model and indexed for RAG.
    public var known: [City]
    /// Neither trained nor indexed: the fine-tuned model is taught to abstain on these.
    public var abstainTraining: [City]
    /// Never trained, never indexed, never used to teach abstaining: the test of abstaining.
    public var unknown: [City]

    /// Draws `known + abstain + unknown` distinct cities from `cities` with `seed`.
    ///
    /// A city qualifies when its name is unique in the file, is letters and spaces only, shares no
    /// word with a state, a time zone or a band (so an answer that repeats it cannot be read as
    /// naming a value),
    /// its time zone is one of the six, and it has a population and an elevation.
    ///
    /// - Throws: ``ExampleError/invalidOption(_:)`` when fewer cities qualify.
    public static func draw(from cities: [City], known: Int, abstain: Int, unknown: Int, seed: UInt64) throws -> CityKnowledge {
        let names = Dictionary(cities.map { ($0.name.lowercased(), 1) }, uniquingKeysWith: +)
        let reserved = Set(CityFact.allCases.flatMap(\.candidates).flatMap { $0.lowercased().split(separator: " ").map(String.init) })
        var pool = cities.filter { city in
            names[city.name.lowercased()] == 1 && city.name.count >= 4 && city.population > 0
                && city.name.allSatisfy({ $0.isLetter || $0 == " " }) && city.value(of: .timeZone) != nil
                && CityFact.states.contains(city.state)
                && Set(city.name.lowercased().split(separator: " ").map(String.init)).isDisjoint(with: reserved)
        }.sorted { $0.id < $1.id }
        let wanted = known + abstain + unknown
        guard wanted <= pool.count else {
            throw ExampleError.invalidOption("compare-rag: \(wanted) cities wanted but only \(pool.count) qualify")
        }
        let generator = Generator(seed: seed)
        for i in stride(from: pool.count - 1, to: 0, by: -1) { pool.swapAt(i, generator.nextInt(below: i + 1)) }
        return CityKnowledge(known: Array(pool[0..<known]), abstainTraining: Array(pool[known..<(known + abstain)]),
                             unknown: Array(pool[(known + abstain)..<wanted]))
    }

    /// The passage RAG retrieves for `city`: one short paragraph with all four facts.
    public static func passage(for city: City) -> Passage {
        let zone = city.value(of: .timeZone) ?? "unknown"
        let people = CityFact.bandMeanings[city.value(of: .population) ?? ""] ?? ""
        let height = CityFact.bandMeanings[city.value(of: .elevation) ?? ""] ?? ""
        return Passage(id: String(city.id), text: "\(city.name) is a place in the state of \(city.state), in the \(zone) time zone. "
                       + "Its population is \(people). Its elevation is \(height).")
    }

    /// The known cities after `count` facts changed (a synthetic update: each changed fact gets
    /// another valid value, so no path can be right by what it knew before), and the changes.
    public func updated(changing count: Int, seed: UInt64) -> (cities: [City], changes: [FactChange]) {
        let generator = Generator(seed: seed ^ 0x5EED_0F_C4A6E)
        var slots = known.indices.flatMap { i in CityFact.allCases.map { (i, $0) } }
        for i in stride(from: slots.count - 1, to: 0, by: -1) { slots.swapAt(i, generator.nextInt(below: i + 1)) }
        var cities = known
        var changes: [FactChange] = []
        for (i, fact) in slots.prefix(count) {
            let old = cities[i].value(of: fact) ?? ""
            let others = fact.candidates.filter { $0 != old }
            let new = others[generator.nextInt(below: others.count)]
            cities[i].set(fact, to: new)
            changes.append(FactChange(city: cities[i], fact: fact, oldValue: old, newValue: new))
        }
        return (cities, changes)
    }
}

/// One changed fact of an update.
public struct FactChange: Codable, Sendable, Equatable {
    /// The city after the change.
    public var city: City
    /// Which fact changed.
    public var fact: CityFact
    /// Its value before.
    public var oldValue: String
    /// Its value now.
    public var newValue: String
}

extension City {
    /// Sets `fact` to `value` (a candidate of the fact), with a representative number for bands.
    mutating func set(_ fact: CityFact, to value: String) {
        switch fact {
        case .state: state = value
        case .timeZone:
            ianaTimeZone = ["Eastern": "America/New_York", "Central": "America/Chicago", "Mountain": "America/Denver",
                            "Pacific": "America/Los_Angeles", "Alaska": "America/Anchorage", "Hawaii": "Pacific/Honolulu"][value] ?? ianaTimeZone
        case .population: population = ["small": 1_000, "medium": 8_000, "large": 50_000][value] ?? population
        case .elevation: elevation = ["low": 50, "moderate": 300, "high": 1_200][value] ?? elevation
        }
    }

    /// Reads `data/cities-us.csv` (what `make data` extracts): the columns `geonameid`,
    /// `asciiname`, `population`, `elevation`, `timezone` and `state`; rows missing one are skipped.
    ///
    /// - Throws: ``DataError/unreadable(file:reason:)`` for a missing file or column.
    public static func read(from url: URL) throws -> [City] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw DataError.unreadable(file: url.path, reason: "missing or not UTF-8; run `make data`")
        }
        var rows = CSVRows(text)
        guard let header = rows.next() else { throw DataError.unreadable(file: url.path, reason: "empty file") }
        let columns = ["geonameid", "asciiname", "population", "elevation", "timezone", "state"]
        let at = try columns.map { name in
            guard let i = header.firstIndex(of: name) else { throw DataError.unreadable(file: url.path, reason: "no column '\(name)'") }
            return i
        }
        var cities: [City] = []
        while let row = rows.next() {
            guard row.count == header.count, let id = Int(row[at[0]]), let population = Int(row[at[2]]),
                  let elevation = Double(row[at[3]]), !row[at[1]].isEmpty else { continue }
            cities.append(City(id: id, name: row[at[1]], state: row[at[5]], ianaTimeZone: row[at[4]],
                               population: population, elevation: elevation))
        }
        return cities
    }
}

/// The records of a comma-separated text with RFC 4180 quoting (quoted fields may hold commas,
/// doubled quotes and line breaks).
struct CSVRows: IteratorProtocol {
    private let bytes: [UInt8]
    private var position = 0

    init(_ text: String) { bytes = Array(text.utf8) }

    mutating func next() -> [String]? {
        guard position < bytes.count else { return nil }
        var fields: [String] = [], field: [UInt8] = [], quoted = false
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            if quoted {
                if byte == UInt8(ascii: "\"") {
                    if position < bytes.count, bytes[position] == UInt8(ascii: "\"") { field.append(byte); position += 1 } else { quoted = false }
                } else {
                    field.append(byte)
                }
            } else if byte == UInt8(ascii: "\"") {
                quoted = true
            } else if byte == UInt8(ascii: ",") {
                fields.append(String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
            } else if byte == UInt8(ascii: "\n") {
                break
            } else if byte != UInt8(ascii: "\r") {
                field.append(byte)
            }
        }
        fields.append(String(decoding: field, as: UTF8.self))
        return fields
    }
}
