/// The value axis: from 0 to the first multiple of a round step (1, 2 or 5 × 10^k) at or above
/// the largest value.
struct NiceScale: Equatable {
    /// The distance between ticks.
    let step: Double
    /// How many steps the axis spans: ticks are `0, step, ..., step * count`.
    let count: Int
    /// Decimals a tick label needs (a step of 0.05 needs 2).
    let decimals: Int

    var top: Double { step * Double(count) }
    var ticks: [Double] { (0...count).map { Double($0) * step } }

    /// The smallest round step that covers `0...maximum` in at most `maxSteps` steps (so the
    /// axis ends as close above the maximum as it can); a maximum of 0 or less spans 0...1.
    init(maximum: Double, maxSteps: Int) {
        let maximum = maximum.isFinite && maximum > 0 ? maximum : 1
        // A hair under, so 0.1 + 0.2 in 6 steps takes steps of 0.05.
        let rough = maximum / Double(max(1, maxSteps)) * (1 - 1e-12)
        var exponent = 0
        var power = 1.0
        while power * 10 <= rough { power *= 10; exponent += 1 }
        while power > rough { power /= 10; exponent -= 1 }
        let mantissa: Double
        switch rough / power {
        case ...1: mantissa = 1
        case ...2: mantissa = 2
        case ...5: mantissa = 5
        default: mantissa = 10; exponent += 1
        }
        step = mantissa * power
        var count = Int((maximum / step).rounded(.up))
        // Float rounding: 0.3 / 0.1 is 2.9999999999999996.
        if count > 1, Double(count - 1) * step >= maximum * (1 - 1e-12) { count -= 1 }
        if Double(count) * step < maximum { count += 1 }
        self.count = max(1, count)
        decimals = max(0, -exponent)
    }
}
