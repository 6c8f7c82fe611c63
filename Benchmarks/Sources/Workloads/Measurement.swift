import Foundation

/// Timing and memory helpers shared by train-bench and the benchmark suites.
public enum Measurement {
    /// Seconds `body` took (monotonic clock).
    public static func seconds(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// CPU seconds (user + system, all threads of the process) `body` took. On a machine shared
    /// with other jobs this, unlike the wall clock, does not count the time slices other
    /// processes took; with one thread it is the work itself (with several, spinning idle
    /// threads count too).
    public static func cpuSeconds(_ body: () -> Void) -> Double {
        let start = processCPUSeconds()
        body()
        return processCPUSeconds() - start
    }

    /// CPU seconds (user + system, all threads) this process has used so far.
    public static func processCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// The median of `values` (mean of the middle two for an even count).
    public static func median(_ values: [Double]) -> Double {
        precondition(!values.isEmpty, "median: no values")
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    /// Peak resident set size of this process in MiB (`VmHWM` of /proc/self/status), or nil where
    /// there is no procfs.
    public static func peakResidentMiB() -> Double? { statusField("VmHWM:") }

    /// Current resident set size in MiB (`VmRSS`), or nil where there is no procfs.
    public static func residentMiB() -> Double? { statusField("VmRSS:") }

    private static func statusField(_ key: String) -> Double? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(key) {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count >= 2, let kib = Double(fields[1]) { return kib / 1024 }
        }
        return nil
    }
}
