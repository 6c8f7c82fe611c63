import Foundation

/// The training curves as a self-contained SVG (no dependency): loss (training and
/// evaluation), learning rate, and the other evaluation metrics, each in its own panel with
/// axes, ticks and a legend. The trainer writes it to `training_curves.svg` at the end.
public enum TrainingPlot {
    /// The SVG document for `history`.
    public static func svg(history: [TrainingRecord]) -> String {
        let train = history.filter { $0.kind == .train }
        let eval = history.filter { $0.kind == .eval }
        func points(_ records: [TrainingRecord], _ key: String) -> [(x: Double, y: Double)] {
            records.compactMap { r in r.values[key].map { (Double(r.step), $0) } }
        }
        var charts: [SVGChart] = [
            SVGChart(title: "Loss", xLabel: "step", series: [
                .init(name: "train loss", color: "#1f77b4", points: points(train, "loss"), markers: false),
                .init(name: "eval loss", color: "#d62728", points: points(eval, "eval_loss"), markers: true),
            ]),
            SVGChart(title: "Learning rate", xLabel: "step", series: [
                .init(name: "learning rate", color: "#2ca02c", points: points(train, "learning_rate"), markers: false),
            ]),
        ]
        let colors = ["#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]
        let extra = Set(eval.flatMap(\.values.keys)).subtracting(["eval_loss"]).sorted()
        let bounded = extra.filter { $0 != "eval_perplexity" }
        if !bounded.isEmpty {
            charts.append(SVGChart(title: "Evaluation metrics", xLabel: "step", series: bounded.enumerated().map { i, key in
                .init(name: key, color: colors[i % colors.count], points: points(eval, key), markers: true)
            }))
        }
        if extra.contains("eval_perplexity") {
            charts.append(SVGChart(title: "Evaluation perplexity", xLabel: "step", series: [
                .init(name: "eval perplexity", color: "#ff7f0e", points: points(eval, "eval_perplexity"), markers: true),
            ]))
        }
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + SVGChart.document(charts, columns: 2)
    }
}
