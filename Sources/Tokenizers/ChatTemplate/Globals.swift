import Foundation

/// The functions every template can call, as transformers installs them: `raise_exception`,
/// `strftime_now`, `namespace`, `dict`, plus Jinja's `range`.
enum Globals {
    static func make(_ interpreter: Interpreter) -> [String: Value] {
        let now = interpreter.now, timeZone = interpreter.timeZone
        return [
            "raise_exception": .function(Value.Function(name: "raise_exception") { arguments in
                throw ChatTemplateError.raised((arguments.value(0, "message") ?? .string("")).pythonString, at: arguments.location)
            }),
            "strftime_now": .function(Value.Function(name: "strftime_now") { arguments in
                guard case .string(let format)? = arguments.value(0, "format") else {
                    throw ChatTemplateError.runtime("strftime_now() needs a format string", at: arguments.location)
                }
                return .string(try Strftime.format(now, format, timeZone: timeZone, at: arguments.location))
            }),
            "namespace": .function(Value.Function(name: "namespace") { arguments in
                .namespace(Value.Namespace(try dictionary(from: arguments, for: "namespace")))
            }),
            "dict": .function(Value.Function(name: "dict") { arguments in
                .dictionary(try dictionary(from: arguments, for: "dict"))
            }),
            "range": .function(Value.Function(name: "range", call: range)),
        ]
    }

    /// `namespace(mapping, key=value...)` / `dict(...)`: a positional mapping, then keyword arguments.
    private static func dictionary(from arguments: CallArguments, for name: String) throws -> Value.Dictionary {
        var result = Value.Dictionary()
        for positional in arguments.positional {
            guard case .dictionary(let d) = positional else {
                throw ChatTemplateError.runtime("\(name)() takes a mapping and keyword arguments, not \(positional.typeName)", at: arguments.location)
            }
            for (key, value) in d.pairs { result[key] = value }
        }
        for (key, value) in arguments.keywords { result[key] = value }
        if name == "namespace", let bad = result.keys.first(where: { $0.hasPrefix("_") }) {
            throw ChatTemplateError.runtime("cannot store underscore-prefixed attribute '\(bad)' on a namespace", at: arguments.location)
        }
        return result
    }

    private static func range(_ arguments: CallArguments) throws -> Value {
        let values = try arguments.positional.map { value -> Int in
            guard let i = value.integer else {
                throw Operators.undefinedOrType(value, "'\(value.typeName)' object cannot be interpreted as an integer", at: arguments.location)
            }
            return i
        }
        let (start, stop, step): (Int, Int, Int)
        switch values.count {
        case 1: (start, stop, step) = (0, values[0], 1)
        case 2: (start, stop, step) = (values[0], values[1], 1)
        case 3: (start, stop, step) = (values[0], values[1], values[2])
        default: throw ChatTemplateError.runtime("range expected 1 to 3 arguments", at: arguments.location)
        }
        guard step != 0 else { throw ChatTemplateError.runtime("range() arg 3 must not be zero", at: arguments.location) }
        let count = step > 0 ? max(0, (stop - start + step - 1) / step) : max(0, (start - stop - step - 1) / -step)
        // Jinja's sandbox caps ranges at 100,000 items.
        guard count <= 100_000 else { throw ChatTemplateError.runtime("range too big (Jinja's limit is 100000)", at: arguments.location) }
        return .list(stride(from: start, to: stop, by: step).map(Value.int))
    }
}

/// Python's `datetime.strftime` for the directives chat templates use (English names, as the C locale).
enum Strftime {
    private static let months = ["January", "February", "March", "April", "May", "June", "July", "August",
                                 "September", "October", "November", "December"]
    private static let weekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

    static func format(_ date: Date, _ format: String, timeZone: TimeZone, at location: TemplateLocation) throws -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday, .nanosecond], from: date)
        let year = c.year ?? 0, month = c.month ?? 1, day = c.day ?? 1, hour = c.hour ?? 0
        let minute = c.minute ?? 0, second = c.second ?? 0, weekday = (c.weekday ?? 1) - 1
        let dayOfYear = calendar.ordinality(of: .day, in: .year, for: date) ?? 1
        func pad(_ n: Int, _ width: Int = 2) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        var result = ""
        var scalars = format.unicodeScalars.makeIterator()
        while let scalar = scalars.next() {
            guard scalar == "%" else { result.unicodeScalars.append(scalar); continue }
            guard var directive = scalars.next() else { result += "%"; break }
            var unpadded = false
            if directive == "-", let next = scalars.next() { unpadded = true; directive = next }
            func number(_ n: Int, _ width: Int = 2) -> String { unpadded ? String(n) : pad(n, width) }
            switch directive {
            case "Y": result += String(year)
            case "y": result += number(year % 100)
            case "m": result += number(month)
            case "d": result += number(day)
            case "e": result += unpadded ? String(day) : (day < 10 ? " \(day)" : String(day))
            case "H": result += number(hour)
            case "I": result += number(hour % 12 == 0 ? 12 : hour % 12)
            case "M": result += number(minute)
            case "S": result += number(second)
            case "p": result += hour < 12 ? "AM" : "PM"
            case "B": result += months[month - 1]
            case "b", "h": result += String(months[month - 1].prefix(3))
            case "A": result += weekdays[weekday]
            case "a": result += String(weekdays[weekday].prefix(3))
            case "j": result += number(dayOfYear, 3)
            case "w": result += String(weekday)
            case "F": result += "\(year)-\(pad(month))-\(pad(day))"
            case "T": result += "\(pad(hour)):\(pad(minute)):\(pad(second))"
            case "%": result += "%"
            default:
                throw ChatTemplateError.unsupported("strftime directive '%\(directive)'", at: location)
            }
        }
        return result
    }
}
