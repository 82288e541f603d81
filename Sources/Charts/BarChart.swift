/// Bar charts as self-contained SVG text: data in, SVG out (no HTTP, no SQL, no Foundation).
///
/// - `grouped`: one group of bars per category, one bar per series — age percentiles per town
///   (series p50, p75, p99).
/// - `stacked`: one bar per category made of one segment per series, with the total at its end
///   — residents per town split by age group. It draws the categories it is given; pass them
///   through `biggestFirst(categories:series:keeping:otherLabel:)` to get at most 30 towns,
///   biggest first, and the rest summed as "other".
///
/// Bars are horizontal: categories (towns) read down the left side, each label on one or two
/// lines, never rotated; the chart grows taller with more categories and stays legible when
/// scaled to a phone's width. The value axis starts at 0 and ends at the first round tick
/// (1, 2 or 5 × 10^k steps) at or above the largest bar; with more than 12 categories its
/// tick labels repeat above the bars.
///
/// The SVG: `viewBox`, `width="100%"` (the page decides how wide), `role="img"`,
/// `aria-labelledby` naming its `<title>` and `<desc>`, where `desc` states every number in words
/// ("Москва: p50 34, p75 36.5, p99 38.9; ..."). Every text is XML-escaped, characters XML 1.0
/// forbids become U+FFFD. No script, no style sheet, no external reference; fonts are the
/// system's, then fonts with Cyrillic and CJK glyphs (Noto Sans CJK and the like); colours are
/// Okabe–Ito (colour-blind safe). A white background, so it reads on a dark page too. No categories or no series: a chart that says "no data".
///
/// Values: a series shorter than `categories` counts as 0 where it has no value, extra values
/// are ignored; negative, NaN and infinite values are drawn and stated as 0; numbers are written
/// with at most two decimals and never an exponent. `id` prefixes the ids of `<title>` and
/// `<desc>` (only letters, digits, `-` and `_` are kept): give each chart on one HTML page its own.
/// `width` is the viewBox's width (default 520, at least 240): text is 11-16 units high, so a
/// page that shows the chart at least `width` pixels wide shows every label at 11 px or more.
/// The output depends only on the arguments.
public enum BarChart {
    /// The system's font, then fonts with Cyrillic and CJK glyphs (town names in any script); for
    /// a page around the charts too.
    public static let fontFamily = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'DejaVu Sans', "
        + "'Noto Sans CJK SC', 'Noto Sans CJK JP', 'PingFang SC', 'Hiragino Sans', 'Microsoft YaHei', 'Malgun Gothic', sans-serif"

    public static func grouped(title: String, categories: [String], series: [ChartSeries],
                               valueLabel: String, id: String = "chart") -> String {
        String(decoding: groupedUTF8(title: title, categories: categories, series: series,
                                     valueLabel: valueLabel, id: id), as: UTF8.self)
    }

    public static func stacked(title: String, categories: [String], series: [ChartSeries],
                               valueLabel: String, id: String = "chart") -> String {
        String(decoding: stackedUTF8(title: title, categories: categories, series: series,
                                     valueLabel: valueLabel, id: id), as: UTF8.self)
    }

    /// `grouped` as UTF-8 bytes, ready for a response body.
    public static func groupedUTF8(title: String, categories: [String], series: [ChartSeries],
                                   valueLabel: String, id: String = "chart", width: Double = 520) -> [UInt8] {
        BarChartRenderer(kind: .grouped, title: title, categories: categories, series: series,
                         valueLabel: valueLabel, id: id, width: width).render()
    }

    /// `stacked` as UTF-8 bytes, ready for a response body.
    public static func stackedUTF8(title: String, categories: [String], series: [ChartSeries],
                                   valueLabel: String, id: String = "chart", width: Double = 520) -> [UInt8] {
        BarChartRenderer(kind: .stacked, title: title, categories: categories, series: series,
                         valueLabel: valueLabel, id: id, width: width).render()
    }
}
