import FineTuning

/// One question about one fact of one city, with the value a right answer names.
public struct CityQuestion: Codable, Sendable, Hashable {
    /// The city asked about.
    public var city: City
    /// The fact asked for.
    public var fact: CityFact
    /// Which of the fact's phrasings words it (see ``CityQuestion/phrasings(of:)``).
    public var phrasing: Int
    /// The question as the model reads it.
    public var text: String
    /// The right value (a candidate of `fact`).
    public var expected: String

    /// The question about `fact` of `city` in phrasing `phrasing`.
    public init(city: City, fact: CityFact, phrasing: Int) {
        let templates = Self.phrasings(of: fact)
        precondition(templates.indices.contains(phrasing), "CityQuestion: \(fact) has no phrasing \(phrasing)")
        self.city = city
        self.fact = fact
        self.phrasing = phrasing
        text = templates[phrasing].replacingOccurrences(of: "{city}", with: city.name)
        expected = city.value(of: fact) ?? ""
    }

    /// How many phrasings each fact has; the last one is never trained on.
    public static let phrasingCount = 4
    /// The phrasings a fine-tuned model trains on.
    public static let seenPhrasings = 0..<(phrasingCount - 1)
    /// The phrasing kept for testing only: trained facts in words the model never saw.
    public static let unseenPhrasing = phrasingCount - 1

    /// The fact's phrasings; `{city}` stands for the name. Band questions list the bands, so a
    /// model that was never taught them can still answer in the checkable words.
    public static func phrasings(of fact: CityFact) -> [String] {
        switch fact {
        case .state:
            return ["Which US state is {city} in?", "In which state is {city} located?",
                    "{city} belongs to which state?", "Name the state where {city} lies."]
        case .timeZone:
            let zones = "Eastern, Central, Mountain, Pacific, Alaska or Hawaii"
            return ["Which time zone is {city} in (\(zones))?", "What time zone does {city} keep (\(zones))?",
                    "{city} is in which time zone (\(zones))?", "Tell me the time zone of {city} (\(zones))."]
        case .population:
            let bands = "small (under 2,000 people), medium (2,000 to 20,000) or large (over 20,000)"
            return ["Is the population of {city} \(bands)?", "How big is {city}: \(bands)?",
                    "Would you call {city} \(bands)?", "By population, is {city} \(bands)?"]
        case .elevation:
            let bands = "low (under 150 m), moderate (150 to 500 m) or high (over 500 m)"
            return ["Is the elevation of {city} \(bands)?", "How high above sea level is {city}: \(bands)?",
                    "Does {city} lie \(bands)?", "By elevation, is {city} \(bands)?"]
        }
    }

    /// The system turn of the paths without retrieval (and of every training example).
    public static let instruction = "Answer with the fact only, in one or two words. If you do not know, say: I don't know."

    /// What the fine-tuned model learns to say about a city it was not taught.
    public static let abstainAnswer = "I don't know."

    /// The conversation without retrieval: instruction, then the question.
    public var messages: [ChatMessage] {
        [ChatMessage(role: "system", content: Self.instruction), ChatMessage(role: "user", content: text)]
    }

    /// A training record: the question and `answer` (the expected value unless given).
    public func record(answer: String? = nil) -> SFTRecord {
        .chat(messages + [ChatMessage(role: "assistant", content: answer ?? expected.prefix(1).uppercased() + expected.dropFirst())])
    }
}

/// The questions of one comparison, all drawn with one seed.
public struct CityQuestionSet: Sendable {
    /// Every known fact in every seen phrasing, plus abstaining on the abstain-training cities.
    public var train: [SFTRecord]
    /// Known facts, each asked once in a seen phrasing.
    public var seen: [CityQuestion]
    /// Known facts, each asked once in the held-out phrasing.
    public var unseenPhrasing: [CityQuestion]
    /// Facts of cities no path knows.
    public var unknown: [CityQuestion]

    /// The questions about `knowledge`, at most `limit` per test set.
    public init(knowledge: CityKnowledge, limit: Int, seed: UInt64) {
        let generator = Generator(seed: seed ^ 0x9E37_79B9)
        func shuffled<T>(_ items: [T]) -> [T] {
            var items = items
            for i in stride(from: items.count - 1, to: 0, by: -1) { items.swapAt(i, generator.nextInt(below: i + 1)) }
            return items
        }
        let knownFacts = knowledge.known.flatMap { city in CityFact.allCases.map { (city, $0) } }
        train = shuffled(knownFacts.flatMap { city, fact in
            CityQuestion.seenPhrasings.map { CityQuestion(city: city, fact: fact, phrasing: $0).record() }
        } + knowledge.abstainTraining.flatMap { city in
            CityFact.allCases.map { fact in
                CityQuestion(city: city, fact: fact, phrasing: generator.nextInt(below: CityQuestion.seenPhrasings.count))
                    .record(answer: CityQuestion.abstainAnswer)
            }
        })
        let facts = Array(shuffled(knownFacts).prefix(limit))
        seen = facts.map { CityQuestion(city: $0.0, fact: $0.1, phrasing: generator.nextInt(below: CityQuestion.seenPhrasings.count)) }
        unseenPhrasing = facts.map { CityQuestion(city: $0.0, fact: $0.1, phrasing: CityQuestion.unseenPhrasing) }
        unknown = Array(shuffled(knowledge.unknown.flatMap { city in CityFact.allCases.map { (city, $0) } }).prefix(limit)).map {
            CityQuestion(city: $0.0, fact: $0.1, phrasing: generator.nextInt(below: CityQuestion.phrasingCount))
        }
    }

    /// The questions about changed facts (in a seen phrasing, expecting the new value), and the
    /// records that retrain the fine-tuned model on them: every seen phrasing of each change,
    /// plus half as many records of unchanged facts (replay, so retraining does not erase the rest).
    public static func update(_ changes: [FactChange], knowledge: CityKnowledge, seed: UInt64) -> (questions: [CityQuestion], retrain: [SFTRecord]) {
        let generator = Generator(seed: seed ^ 0xC4A6_E5)
        let questions = changes.map { CityQuestion(city: $0.city, fact: $0.fact, phrasing: generator.nextInt(below: CityQuestion.seenPhrasings.count)) }
        let changedSlots = Set(changes.map { "\($0.city.id)/\($0.fact.rawValue)" })
        var records = changes.flatMap { change in
            CityQuestion.seenPhrasings.map { CityQuestion(city: change.city, fact: change.fact, phrasing: $0).record() }
        }
        let unchanged = knowledge.known.flatMap { city in CityFact.allCases.map { (city, $0) } }
            .filter { !changedSlots.contains("\($0.0.id)/\($0.1.rawValue)") }
        if !unchanged.isEmpty {
            for _ in 0..<(records.count / 2) {
                let (city, fact) = unchanged[generator.nextInt(below: unchanged.count)]
                records.append(CityQuestion(city: city, fact: fact, phrasing: generator.nextInt(below: CityQuestion.seenPhrasings.count)).record())
            }
        }
        for i in stride(from: records.count - 1, to: 0, by: -1) { records.swapAt(i, generator.nextInt(below: i + 1)) }
        return (questions, records)
    }
}
