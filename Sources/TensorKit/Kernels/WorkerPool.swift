import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The threads that run the pieces of ``Parallel``'s regions, one region at a time.
///
/// A training step runs thousands of regions back to back (every split product, every row
/// kernel), each only tens of microseconds long. Waking a sleeping thread through the kernel for
/// each cost 5–9 % of a step in the scheduler (`perf`, `gpt_partial` on two cores). So a worker
/// that finishes a region spins for ``spinNanoseconds`` watching for the next one, and only
/// then sleeps on a condition variable; the calling thread takes pieces too. A short spin, not
/// OpenMP's long one, so that a worker does not keep a core from other work for long.
///
/// A region started while another runs (from a piece, or from another thread) runs inline on
/// its caller: the pool never waits for itself.
final class WorkerPool: @unchecked Sendable {
    /// The pool of ``Parallel``.
    static let shared = WorkerPool()

    /// How long an idle worker watches for the next region before it sleeps.
    static let spinNanoseconds: UInt64 = 100_000

    /// One region: its pieces are claimed through `next` by whichever thread comes first.
    private final class Job: @unchecked Sendable {
        /// The caller's closure, dropped (by the caller) once every piece is done: a worker that
        /// reaches the job later claims no piece and never reads it.
        var body: ((Int) -> Void)?
        let pieces: Int
        let next = Atomic<Int>(0)
        let done = Atomic<Int>(0)

        init(body: @escaping (Int) -> Void, pieces: Int) { (self.body, self.pieces) = (body, pieces) }

        /// Claims and runs pieces until none is left.
        func work() {
            while run(next.wrappingAdd(1, ordering: .acquiringAndReleasing).oldValue) {
                done.wrappingAdd(1, ordering: .releasing)
            }
        }

        /// Runs `piece` if it is one; false when none is left. The reference to `body` taken here
        /// is released before the piece counts as done (the caller checks that `body` has not
        /// escaped once all are).
        @inline(never)
        private func run(_ piece: Int) -> Bool {
            guard piece < pieces, let body else { return false }
            body(piece)
            return true
        }
    }

    /// Whether a region runs now (taken with a compare-exchange; the loser runs inline).
    private let busy = Atomic<Bool>(false)
    /// Bumped for each region; workers spin on it.
    private let generation = Atomic<Int>(0)
    /// The current region, published with its generation.
    private let current = Mutex<(generation: Int, job: Job?)>((0, nil))
    /// Workers waiting on the condition variable.
    private let sleepers = Atomic<Int>(0)
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wakeUp = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// Worker threads started so far.
    private let started = Mutex(0)

    private init() {
        pthread_mutex_init(lock, nil)
        pthread_cond_init(wakeUp, nil)
    }

    /// Runs `body(0) … body(pieces − 1)` on the calling thread and up to `pieces − 1` workers,
    /// returning when all have run; inline when the pool is busy.
    func run(pieces: Int, _ body: (Int) -> Void) {
        guard pieces > 1, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for piece in 0..<pieces { body(piece) }
            return
        }
        defer { busy.store(false, ordering: .releasing) }
        startWorkers(pieces - 1)
        withoutActuallyEscaping(body) { body in
            let job = Job(body: body, pieces: pieces)
            let next = current.withLock { state -> Int in
                state = (state.generation + 1, job)
                return state.generation
            }
            generation.store(next, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                pthread_mutex_lock(lock)
                pthread_cond_broadcast(wakeUp)
                pthread_mutex_unlock(lock)
            }
            job.work()
            // The pieces left are the ones workers are running: wait for them, spinning for as
            // long as a worker would, then yielding the core (a worker may have been descheduled).
            let waitStart = Self.now()
            var checks = 0
            while job.done.load(ordering: .acquiring) < pieces {
                checks += 1
                if checks & 63 == 0 && Self.now() - waitStart > Self.spinNanoseconds { sched_yield() }
            }
            // Workers that see this job late find no piece left. `body` must not outlive this
            // call (withoutActuallyEscaping checks), so no reference to it stays behind.
            job.body = nil
            current.withLock { $0.job = nil }
        }
    }

    /// Starts workers until there are `count`.
    private func startWorkers(_ count: Int) {
        started.withLock { running in
            while running < count {
                running += 1
                Worker(pool: self).start()
            }
        }
    }

    /// A worker's life: wait for a region, help with it, repeat.
    fileprivate func workerLoop() {
        var seen = current.withLock { $0.generation }
        while true {
            waitForRegion(after: seen)
            let (latest, job) = current.withLock { ($0.generation, $0.job) }
            seen = latest
            job?.work()
        }
    }

    /// Returns once the generation has moved past `seen`: spinning first, then sleeping.
    private func waitForRegion(after seen: Int) {
        let start = Self.now()
        var checks = 0
        while generation.load(ordering: .acquiring) == seen {
            checks += 1
            if checks & 63 == 0 && Self.now() - start > Self.spinNanoseconds { break }
        }
        guard generation.load(ordering: .acquiring) == seen else { return }
        pthread_mutex_lock(lock)
        sleepers.wrappingAdd(1, ordering: .sequentiallyConsistent)
        // Checked after registering: a region published before this load is seen here, and one
        // published after it finds `sleepers` non-zero and broadcasts under the lock.
        while generation.load(ordering: .sequentiallyConsistent) == seen {
            pthread_cond_wait(wakeUp, lock)
        }
        sleepers.wrappingSubtract(1, ordering: .sequentiallyConsistent)
        pthread_mutex_unlock(lock)
    }

    private static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    /// A detached pthread running ``workerLoop()`` for the life of the process.
    private struct Worker {
        let pool: WorkerPool

        init(pool: WorkerPool) { self.pool = pool }

        func start() {
            let context = Unmanaged.passRetained(Box(pool)).toOpaque()
            var handle = pthread_t()
            let created = pthread_create(&handle, nil, { context in
                guard let context else { return nil }
                let box = Unmanaged<Box>.fromOpaque(context).takeRetainedValue()
                box.pool.workerLoop()
                return nil
            }, context)
            precondition(created == 0, "WorkerPool: pthread_create failed with \(created)")
            pthread_detach(handle)
        }
    }

    private final class Box {
        let pool: WorkerPool
        init(_ pool: WorkerPool) { self.pool = pool }
    }
}
