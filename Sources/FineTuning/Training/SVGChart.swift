import Foundation

/// A line chart drawn as an SVG group: frame, nice-number ticks with labels and grid lines,
/// axis titles, one polyline per series (with point markers when asked) and a legend. Written
/// by hand, so plots need no dependency; the trainer's curves and the examples' reports use it.
public struct SVGChart {
    /// One line of the chart.
    public struct Series {
        /// The legend label.
        public var name: String
        /// An SVG colour (`"#1f77b4"`).
        public var color: String
        /// The data points, in drawing order.
        public var points: [(x: Double, y: Double)]
        /// Whether each point also gets a dot.
        public var markers: Bool

        /// A series; `markers` draws a dot at each point.
        public init(name: String, color: String, points: [(x: Double, y: Double)], markers: Bool) {
            self.name = name
            self.color = color
            self.points = points
            self.markers = markers
        }
    }

    /// The title above the plot.
    public var title: String
    /// The horizontal axis title.
    public var xLabel: String
    /// The lines, drawn in order and listed in the legend.
    public var series: [Series]
    /// The chart width in SVG units.
    public var width = 440.0
    /// The chart height in SVG units.
    public var height = 300.0

    /// A chart of `series`; non-finite points are skipped when drawing.
    public init(title: String, xLabel: String, series: [Series], width: Double = 440, height: Double = 300) {
        self.title = title
        self.xLabel = xLabel
        self.series = series
        self.width = width
        self.height = height
    }

    /// A standalone SVG document with `charts` laid out in a grid of `columns`.
    public static func document(_ charts: [SVGChart], columns: Int = 2) -> String {
        guard let first = charts.first else { return "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n" }
        let columns = Swift.max(1, Swift.min(columns, charts.count))
        let rows = (charts.count + columns - 1) / columns
        let width = first.width * Double(columns) + 20, height = first.height * Double(rows) + 20
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" " +
            "viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"Helvetica, Arial, sans-serif\">\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"#fafafa\"/>\n"
        for (i, chart) in charts.enumerated() {
            out += chart.svg(at: 10 + Double(i % columns) * first.width, 10 + Double(i / columns) * first.height)
        }
        return out + "</svg>\n"
    }

    private let left = 62.0, right = 14.0, top = 34.0, bottom = 46.0

    /// The chart as a `<g>` placed at (`x`, `y`).
    public func svg(at x: Double, _ y: Double) -> String {
        let points = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        var out = "<g transform=\"translate(\(f(x)),\(f(y)))\">\n"
        out += "<text x=\"\(f(width / 2))\" y=\"20\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">\(escape(title))</text>\n"
        let plotW = width - left - right, plotH = height - top - bottom
        out += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\" fill=\"white\" stroke=\"#444\"/>\n"
        guard !points.isEmpty else {
            out += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(top + plotH / 2))\" text-anchor=\"middle\" font-size=\"12\" fill=\"#888\">no data</text>\n</g>\n"
            return out
        }
        let xTicks = Self.ticks(points.map(\.x).min()!, points.map(\.x).max()!)
        // Headroom above the data keeps the legend (top right) off the curves.
        let (yMin, yMax) = (points.map(\.y).min()!, points.map(\.y).max()!)
        let yTicks = Self.ticks(yMin, yMax + 0.18 * (yMax - yMin))
        let (x0, x1) = (xTicks.first!, xTicks.last!), (y0, y1) = (yTicks.first!, yTicks.last!)
        func px(_ v: Double) -> Double { left + (x1 == x0 ? 0.5 : (v - x0) / (x1 - x0)) * plotW }
        func py(_ v: Double) -> Double { top + plotH - (y1 == y0 ? 0.5 : (v - y0) / (y1 - y0)) * plotH }
        for t in xTicks {
            out += "<line x1=\"\(f(px(t)))\" y1=\"\(f(top))\" x2=\"\(f(px(t)))\" y2=\"\(f(top + plotH))\" stroke=\"#e4e4e4\"/>\n"
            out += "<line x1=\"\(f(px(t)))\" y1=\"\(f(top + plotH))\" x2=\"\(f(px(t)))\" y2=\"\(f(top + plotH + 5))\" stroke=\"#444\"/>\n"
            out += "<text x=\"\(f(px(t)))\" y=\"\(f(top + plotH + 18))\" text-anchor=\"middle\" font-size=\"11\">\(Self.label(t))</text>\n"
        }
        for t in yTicks {
            out += "<line x1=\"\(f(left))\" y1=\"\(f(py(t)))\" x2=\"\(f(left + plotW))\" y2=\"\(f(py(t)))\" stroke=\"#e4e4e4\"/>\n"
            out += "<line x1=\"\(f(left - 5))\" y1=\"\(f(py(t)))\" x2=\"\(f(left))\" y2=\"\(f(py(t)))\" stroke=\"#444\"/>\n"
            out += "<text x=\"\(f(left - 8))\" y=\"\(f(py(t) + 4))\" text-anchor=\"end\" font-size=\"11\">\(Self.label(t))</text>\n"
        }
        out += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(height - 8))\" text-anchor=\"middle\" font-size=\"12\">\(escape(xLabel))</text>\n"
        for s in series {
            let valid = s.points.filter { $0.x.isFinite && $0.y.isFinite }
            guard !valid.isEmpty else { continue }
            let path = valid.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
            out += "<polyline fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"1.8\" points=\"\(path)\"/>\n"
            if s.markers || valid.count == 1 {
                for p in valid {
                    out += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"3\" fill=\"\(s.color)\"/>\n"
                }
            }
        }
        // Legend in the top-right corner of the plot area.
        let shown = series.filter { !$0.points.isEmpty }
        let legendW = 14.0 + 7.0 * Double(shown.map(\.name.count).max() ?? 0) + 24
        var ly = top + 8
        out += "<rect x=\"\(f(left + plotW - legendW - 6))\" y=\"\(f(top + 4))\" width=\"\(f(legendW))\" height=\"\(f(Double(shown.count) * 16 + 6))\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#bbb\"/>\n"
        for s in shown {
            let lx = left + plotW - legendW
            out += "<line x1=\"\(f(lx))\" y1=\"\(f(ly + 6))\" x2=\"\(f(lx + 18))\" y2=\"\(f(ly + 6))\" stroke=\"\(s.color)\" stroke-width=\"2.5\"/>\n"
            out += "<text x=\"\(f(lx + 24))\" y=\"\(f(ly + 10))\" font-size=\"11\">\(escape(s.name))</text>\n"
            ly += 16
        }
        return out + "</g>\n"
    }

    /// Round tick values (steps of 1, 2 or 5 × 10ⁿ) covering `low...high`.
    static func ticks(_ low: Double, _ high: Double, target: Int = 5) -> [Double] {
        var (low, high) = (low, high)
        if low == high {
            let pad = low == 0 ? 1 : Swift.abs(low) * 0.1
            low -= pad
            high += pad
        }
        let raw = (high - low) / Double(target)
        let magnitude = Foundation.pow(10, Foundation.floor(Foundation.log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        let first = Foundation.floor(low / step) * step
        var ticks: [Double] = []
        var t = first
        // Up to the first tick at or above `high`, so the range covers every point.
        while ticks.count < 50 {
            ticks.append(Swift.abs(t) < step * 1e-9 ? 0 : t)
            if t >= high - step * 1e-9 { break }
            t += step
        }
        if ticks.count < 2 { ticks.append(first + step) }
        return ticks
    }

    /// A short tick label: integers plainly, small or large numbers in scientific form.
    static func label(_ value: Double) -> String {
        if value == 0 { return "0" }
        let a = Swift.abs(value)
        if a >= 1e5 || a < 1e-3 { return String(format: "%.1e", value) }
        if value == value.rounded() { return String(Int(value)) }
        var text = String(format: "%.4f", value)
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }

    private func f(_ v: Double) -> String { String(format: "%.1f", v) }

    private func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
