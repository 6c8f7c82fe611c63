import Foundation

/// A US place from GeoNames (`data/cities-us.csv`) with the four facts `compare-rag` asks about.
public struct City: Codable, Sendable, Hashable {
    /// The GeoNames id (stable across runs; the passage id in the RAG store).
    public var id: Int
    /// The ASCII name, unique in the file.
    public var name: String
    /// The state's full name.
    public var state: String
    /// The IANA time zone (`America/Denver`).
    public var ianaTimeZone: String
    /// Inhabitants.
    public var population: Int
    /// Metres above sea level.
    public var elevation: Double

    /// A city with these facts.
    public init(id: Int, name: String, state: String, ianaTimeZone: String, population: Int, elevation: Double) {
        self.id = id
        self.name = name
        self.state = state
        self.ianaTimeZone = ianaTimeZone
        self.population = population
        self.elevation = elevation
    }

    /// The value of `fact` as the model should say it (`Idaho`, `Mountain`, `medium`, `high`), or
    /// nil for a time zone this program does not name.
    public func value(of fact: CityFact) -> String? {
        switch fact {
        case .state: state
        case .timeZone: CityFact.timeZoneName(ianaTimeZone)
        case .population: CityFact.populationBand(population)
        case .elevation: CityFact.elevationBand(elevation)
        }
    }
}

/// One kind of fact about a city: what is asked, the values an answer may name, how values are
/// banded so that a short answer is checkable.
public enum CityFact: String, Codable, Sendable, CaseIterable, Hashable {
    case state, timeZone = "time_zone", population, elevation

    /// The 50 states.
    public static let states = [
        "Alabama", "Alaska", "Arizona", "Arkansas", "California", "Colorado", "Connecticut", "Delaware", "Florida",
        "Georgia", "Hawaii", "Idaho", "Illinois", "Indiana", "Iowa", "Kansas", "Kentucky", "Louisiana", "Maine",
        "Maryland", "Massachusetts", "Michigan", "Minnesota", "Mississippi", "Missouri", "Montana", "Nebraska",
        "Nevada", "New Hampshire", "New Jersey", "New Mexico", "New York", "North Carolina", "North Dakota", "Ohio",
        "Oklahoma", "Oregon", "Pennsylvania", "Rhode Island", "South Carolina", "South Dakota", "Tennessee", "Texas",
        "Utah", "Vermont", "Virginia", "Washington", "West Virginia", "Wisconsin", "Wyoming",
    ]

    /// Every value an answer to this fact may name; an answer is scored by which of these it names.
    public var candidates: [String] {
        switch self {
        case .state: Self.states
        case .timeZone: ["Eastern", "Central", "Mountain", "Pacific", "Alaska", "Hawaii"]
        case .population: ["small", "medium", "large"]
        case .elevation: ["low", "moderate", "high"]
        }
    }

    /// The US time zone an IANA zone keeps (Arizona keeps Mountain time without daylight saving;
    /// Indiana's and North Dakota's sub-zones follow their offsets), nil for one not listed.
    public static func timeZoneName(_ iana: String) -> String? {
        switch iana {
        case "America/New_York", "America/Detroit", "America/Kentucky/Louisville", "America/Kentucky/Monticello",
             "America/Indiana/Indianapolis", "America/Indiana/Vincennes", "America/Indiana/Marengo",
             "America/Indiana/Vevay", "America/Indiana/Winamac", "America/Indiana/Petersburg":
            "Eastern"
        case "America/Chicago", "America/Indiana/Knox", "America/Indiana/Tell_City", "America/Menominee",
             "America/North_Dakota/Center", "America/North_Dakota/New_Salem", "America/North_Dakota/Beulah":
            "Central"
        case "America/Denver", "America/Phoenix", "America/Boise": "Mountain"
        case "America/Los_Angeles": "Pacific"
        case "America/Anchorage", "America/Juneau", "America/Sitka", "America/Nome", "America/Yakutat", "America/Metlakatla": "Alaska"
        case "Pacific/Honolulu": "Hawaii"
        default: nil
        }
    }

    /// `small` under 2,000 inhabitants, `medium` to 20,000, `large` above (28 %, 57 % and 15 % of the
    /// file's places with a unique name).
    public static func populationBand(_ population: Int) -> String {
        population < 2_000 ? "small" : population <= 20_000 ? "medium" : "large"
    }

    /// `low` under 150 m, `moderate` to 500 m, `high` above (44 %, 40 % and 16 % of those places).
    public static func elevationBand(_ metres: Double) -> String {
        metres < 150 ? "low" : metres <= 500 ? "moderate" : "high"
    }

    /// The bands spelled out, for questions and passages.
    public static let bandMeanings = [
        "small": "small (under 2,000 people)", "medium": "medium (2,000 to 20,000 people)", "large": "large (over 20,000 people)",
        "low": "low (under 150 m)", "moderate": "moderate (150 to 500 m)", "high": "high (over 500 m)",
    ]
}
