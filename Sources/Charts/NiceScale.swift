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

    /// About `targetTicks` steps (at least 1) covering `0...maximum`; a maximum of 0 or less
    /// (nothing to show) spans 0...1.
    init(maximum: Double, targetTicks: Int) {
        let maximum = maximum.isFinite && maximum > 0 ? maximum : 1
        let rough = maximum / Double(max(1, targetTicks))
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
