import JSON

/// `{"data": {...}}` of a demand report.
public enum DemandReportJSON {
    public static func encode(_ report: DemandReport) -> [UInt8] {
        var w = JSONWriter(capacity: 256 + report.towns.count * (64 + report.ageGroups.count * 64))
        w.raw("{\"data\":{\"as_of\":")
        w.string(report.asOf.iso)
        w.raw(",\"age_groups\":[")
        for (i, group) in report.ageGroups.enumerated() {
            if i > 0 { w.raw(",") }
            w.raw("{"); write(group, to: &w); w.raw("}")
        }
        w.raw("],\"towns\":[")
        for (i, town) in report.towns.enumerated() {
            if i > 0 { w.raw(",") }
            w.raw("{\"town\":"); w.string(town.town)
            w.raw(",\"residents\":"); w.int(town.residents)
            w.raw(",\"groups\":[")
            for (j, count) in town.groups.enumerated() {
                if j > 0 { w.raw(",") }
                w.raw("{"); write(count.group, to: &w)
                w.raw(",\"residents\":"); w.int(count.residents)
                w.raw(",\"with_relatives\":"); w.int(count.withRelatives)
                w.raw("}")
            }
            w.raw("],\"airports\":[")
            for (j, airport) in town.airports.enumerated() {
                if j > 0 { w.raw(",") }
                w.raw("{\"id\":"); w.int(airport.id)
                w.raw(",\"name\":"); optional(airport.name, to: &w)
                w.raw(",\"iata\":"); optional(airport.iata, to: &w)
                w.raw(",\"city\":"); optional(airport.city, to: &w)
                w.raw(",\"country\":"); optional(airport.country, to: &w)
                w.raw("}")
            }
            w.raw("]}")
        }
        w.raw("],\"unmatched_towns\":[")
        for (i, town) in report.unmatchedTowns.enumerated() {
            if i > 0 { w.raw(",") }
            w.string(town)
        }
        w.raw("]}}")
        return w.bytes
    }

    private static func write(_ group: DemandReport.AgeGroup, to w: inout JSONWriter) {
        w.raw("\"from\":"); w.int(group.from)
        w.raw(",\"to\":")
        if let to = group.to { w.int(to) } else { w.raw("null") }
    }

    private static func optional(_ value: String?, to w: inout JSONWriter) {
        if let value { w.string(value) } else { w.raw("null") }
    }
}
