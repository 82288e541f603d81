import Charts
import Citizens
import Dates
import Demand
import Routing

/// The HTML of an import's report: self-contained (inline CSS and SVG), readable at a phone's
/// width (the charts scale, the table scrolls sideways inside its box) and printable.
struct ImportReportPage {
    /// The charts' viewBox width: shown at least this many pixels wide on a 390 px phone, so
    /// their smallest text (11 units) is at least 11 px there.
    static let chartWidth = 360.0
    /// Airports listed per town; the rest are counted ("and 12 more").
    static let airportsPerTown = 10

    let importId: Int64
    let summary: ImportSummary
    let percentiles: [(town: String, p50: Int, p75: Int, p99: Int)]
    let demand: DemandReport

    func html() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 * 1024)
        func add(_ text: String) { out.append(contentsOf: text.utf8) }
        func text(_ value: String) { add(HTMLText.escape(value)) }

        add("""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Import \(importId) — Insikt report</title>
            <style>\(ImportReportPage.style)</style>
            </head><body><main>
            <h1>Import \(importId)</h1>
            <p class="facts">\(summary.citizens) citizens in \(demand.towns.count) towns, imported \(HTMLText.escape(ImportReportPage.inWords(summary.createdAt))); ages as of \(demand.asOf.inWords).</p>
            <div class="charts"><section><h2>Ages by town</h2>
            <figure>
            """)
        out.append(contentsOf: AgePercentilesChart.svg(importId: importId, percentiles, width: ImportReportPage.chartWidth))
        add("</figure></section>\n<section><h2>Demand by town and age group</h2>\n<figure>")
        out.append(contentsOf: DemandChart.svg(importId: importId, demand, width: ImportReportPage.chartWidth))
        add("</figure></section></div>\n<div class=\"table\"><table>\n<thead><tr><th scope=\"col\">Town</th><th scope=\"col\">Residents</th>")
        for group in demand.ageGroups { add("<th scope=\"col\">\(DemandChart.label(group))</th>") }
        add("<th scope=\"col\">Airports</th></tr></thead>\n<tbody>\n")
        for town in demand.towns {
            add("<tr><th scope=\"row\">"); text(town.town); add("</th><td>\(town.residents)</td>")
            for group in town.groups {
                add("<td>\(group.residents)")
                if group.withRelatives > 0 { add(" <small>(\(group.withRelatives) with relatives)</small>") }
                add("</td>")
            }
            add("<td>")
            for (i, airport) in town.airports.prefix(ImportReportPage.airportsPerTown).enumerated() {
                if i > 0 { add(", ") }
                text(airport.name ?? "airport \(airport.id)")
                if let iata = airport.iata { add(" ("); text(iata); add(")") }
            }
            if town.airports.count > ImportReportPage.airportsPerTown {
                add(" <small>and \(town.airports.count - ImportReportPage.airportsPerTown) more</small>")
            }
            if town.airports.isEmpty { add("—") }
            add("</td></tr>\n")
        }
        add("</tbody></table></div>\n<h2>Towns without an airport</h2>\n")
        let unmatched = demand.unmatchedTowns
        if unmatched.isEmpty {
            add("<p>Every town has an airport.</p>\n")
        } else {
            add("<p>No live airport's city matches these towns (a town alias maps a differently spelt one):</p>\n<ul class=\"towns\">")
            for town in unmatched { add("<li>"); text(town); add("</li>") }
            add("</ul>\n")
        }
        add("<footer>Insikt · <code>GET /imports/\(importId)/report</code></footer>\n</main></body></html>\n")
        return out
    }

    /// "2026-12-07T02:39:13.416392Z" → "7 December 2026, 02:39 UTC" (the text itself if it is not one).
    static func inWords(_ timestamp: String) -> String {
        guard timestamp.utf8.count >= 16, let date = CivilDate(iso: String(timestamp.prefix(10))) else { return timestamp }
        let time = timestamp.dropFirst(11).prefix(5)
        return "\(date.inWords), \(time) UTC"
    }

    static let style = """
        body{margin:0;font:16px/1.45 \(BarChart.fontFamily);color:#1d1d1f;background:#fff}
        main{max-width:60rem;margin:0 auto;padding:1rem}
        @media (max-width:30rem){main{padding:.75rem .5rem}}
        .charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,22.5rem),1fr));gap:0 1.5rem;align-items:start}
        h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.2rem;margin:1.6rem 0 .5rem}
        .facts{color:#444}figure{margin:0}figure svg{display:block;width:100%;height:auto}
        .table{overflow-x:auto;border:1px solid #ddd;border-radius:4px}
        table{border-collapse:collapse;min-width:100%;font-size:.9rem}
        th,td{padding:.35rem .5rem;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}
        th[scope=row],td:last-child,thead th:first-child{text-align:left}td:last-child{white-space:normal;min-width:12rem}
        thead th{background:#f5f5f7;position:sticky;top:0}small{color:#666}
        .towns{columns:12rem;padding-left:1.2rem}footer{margin-top:2rem;color:#777;font-size:.8rem}
        @media print{.table{overflow:visible;border:0}thead th{position:static}main{max-width:none}}
        """
}

/// Text for HTML element content: `&`, `<`, `>` and quotes escaped.
enum HTMLText {
    static func escape(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for character in value.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\u{0}"..."\u{8}", "\u{B}", "\u{C}", "\u{E}"..."\u{1F}": out += "\u{FFFD}"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }
}
