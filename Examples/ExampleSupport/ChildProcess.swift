import Foundation

/// Runs a child program to completion, forwarding SIGINT and SIGTERM to it.
///
/// Foundation's `Process` starts the child in a process group of its own, so Ctrl-C in a
/// terminal (which signals the foreground group) would stop the parent and leave the child
/// training in the background. While the child runs, this parent catches both signals, passes
/// them on, waits for the child to end, and then ends itself by the same signal, so the shell
/// sees an interrupted program and no child is left behind.
public enum ChildProcess {
    /// The signals passed on to the child.
    public static let forwardedSignals: [Int32] = [SIGINT, SIGTERM]

    /// Runs `executable` with `arguments`, its output going straight to ours, and returns its exit
    /// status. Does not return when a forwarded signal arrived: the process then ends by it.
    public static func run(_ executable: URL, arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = FileHandle.standardOutput
        process.standardError = FileHandle.standardError
        // The child inherits the launching thread's signal mask across exec; a thread of a
        // dispatch or Swift-concurrency pool blocks most signals, and a child started from there
        // would never see the forwarded one. It starts with none blocked.
        var none = sigset_t(), previous = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        try process.run()
        // A plain handler (kill is async-signal-safe); the child's id is in place before it is armed.
        forwardingTarget = process.processIdentifier
        for signalNumber in forwardedSignals {
            signal(signalNumber) { received in
                receivedSignal = received
                if forwardingTarget > 0 { kill(forwardingTarget, received) }
            }
        }
        process.waitUntilExit()
        forwardingTarget = 0
        for signalNumber in forwardedSignals { signal(signalNumber, SIG_DFL) }
        if receivedSignal != 0 { raise(receivedSignal) }
        return process.terminationStatus
    }
}

/// The child that signals go to while ``ChildProcess/run(_:arguments:)`` waits (0: none), and the
/// last signal received; plain globals because a signal handler can capture nothing.
nonisolated(unsafe) private var forwardingTarget: pid_t = 0
nonisolated(unsafe) private var receivedSignal: Int32 = 0
