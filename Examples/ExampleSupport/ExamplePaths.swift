import Foundation

/// Where the example programs find the files `make model` and `make data` fetch, whatever the
/// working directory: the root package's `data/` folder, located from this source file's path
/// (`Examples/ExampleSupport/`, two levels below the root).
///
/// When the binary runs from a copy of the package whose sources moved, that path no longer
/// exists; the defaults then fall back to `data/` under the working directory, and the missing-file
/// errors name the path tried and the `make` target that fetches it.
public enum ExamplePaths {
    /// The root package's folder, from this file's path.
    public static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The `data/` folder: the root package's when it exists, else `data` in the working directory.
    public static var dataDirectory: String {
        let rooted = packageRoot.appendingPathComponent("data")
        return FileManager.default.fileExists(atPath: rooted.path) ? rooted.path : "data"
    }

    /// all-MiniLM-L6-v2 as `make model` leaves it: `<data>/all-MiniLM-L6-v2`.
    public static var modelDirectory: String {
        URL(fileURLWithPath: dataDirectory).appendingPathComponent("all-MiniLM-L6-v2").path
    }
}
