import Foundation

/// Resident-memory figures of this process, read from `/proc/self/status` (Linux).
public enum ProcessMemory {
    /// The peak resident set size (`VmHWM`) in bytes, or nil where `/proc` is not available.
    ///
    /// It is process-wide and never goes down, which is why `compare-strategies` runs each
    /// strategy in a child process of its own.
    public static func peakResidentBytes() -> Int? { field("VmHWM:") }

    /// The current resident set size (`VmRSS`) in bytes.
    public static func residentBytes() -> Int? { field("VmRSS:") }

    private static func field(_ name: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(name) {
            let parts = line.dropFirst(name.count).split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let value = parts.first.flatMap({ Int($0) }) else { return nil }
            return value * 1024   // reported in kB
        }
        return nil
    }
}

/// A byte count for people: `512 B`, `1.50 KiB`, `86.7 MiB` (powers of 1024).
public func formatBytes(_ bytes: Int) -> String {
    let units = ["B", "KiB", "MiB", "GiB"]
    var value = Double(bytes), unit = 0
    while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
    return unit == 0 ? "\(bytes) B" : String(format: value < 10 ? "%.2f %@" : "%.1f %@", value, units[unit])
}

/// The total size of the regular files under `url` (or of `url` itself when it is a file).
public func diskSize(of url: URL) -> Int {
    let fm = FileManager.default
    var isDirectory: ObjCBool = false
    guard fm.fileExists(atPath: url.path, isDirectory: &isDirectory) else { return 0 }
    if !isDirectory.boolValue { return ((try? fm.attributesOfItem(atPath: url.path))?[.size] as? Int) ?? 0 }
    var total = 0
    if let files = fm.enumerator(at: url, includingPropertiesForKeys: [.fileSizeKey, .isRegularFileKey]) {
        for case let file as URL in files {
            let values = try? file.resourceValues(forKeys: [.fileSizeKey, .isRegularFileKey])
            if values?.isRegularFile == true { total += values?.fileSize ?? 0 }
        }
    }
    return total
}
