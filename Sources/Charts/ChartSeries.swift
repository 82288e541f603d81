/// One named row of values, one value per category (a percentile across towns, an age group
/// across towns).
public struct ChartSeries: Sendable, Equatable {
    public let name: String
    public let values: [Double]

    public init(name: String, values: [Double]) {
        self.name = name
        self.values = values
    }
}
