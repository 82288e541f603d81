import Glibc

/// How the work of a parser grows with an adversarial input: the CPU time of the calling thread
/// (not wall time, so other processes on the machine barely move it) for an input of size n and
/// of size 10n. Linear work grows about 10x, quadratic work 100x; tests allow well under 100x so a
/// busy machine cannot fail them, and the large input doubles as a hang guard.
public enum LinearCost {
    public struct Growth: CustomStringConvertible {
        public let small: Double
        public let large: Double
        public var ratio: Double { large / max(small, 1e-9) }
        public var description: String {
            "\(Int(small * 1e6)) µs -> \(Int(large * 1e6)) µs (x\((ratio * 10).rounded() / 10))"
        }
    }

    /// The bound a 10x larger input's cost must stay under: linear is about 10, quadratic 100.
    public static let bound = 35.0

    /// Costs of `work` on the inputs `make(n)` and `make(n * factor)`, each the least of `runs`
    /// runs (inputs are made outside the measurement).
    public static func growth<Input>(from n: Int, factor: Int = 10, runs: Int = 3,
                                     make: (Int) -> Input, _ work: (Input) throws -> Void) rethrows -> Growth {
        let small = make(n), large = make(n * factor)
        try work(small)  // warm caches and allocators
        return Growth(small: try cpuSeconds(runs: runs) { try work(small) },
                      large: try cpuSeconds(runs: runs) { try work(large) })
    }

    /// The least CPU time of the calling thread over `runs` runs of `work`.
    public static func cpuSeconds(runs: Int, _ work: () throws -> Void) rethrows -> Double {
        var best = Double.infinity
        for _ in 0..<runs {
            let start = threadCPUTime()
            try work()
            best = min(best, threadCPUTime() - start)
        }
        return best
    }

    static func threadCPUTime() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
