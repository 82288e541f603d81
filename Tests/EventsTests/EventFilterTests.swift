import Foundation
import Testing
@testable import Events

/// Which events a feed reader or a webhook wants: type prefixes, whole-segment subject prefixes.
@Suite struct EventFilterTests {
    @Test func subjectsMatchWholeSegments() {
        let one = EventFilter(types: [], subjects: ["/imports/1"])
        #expect(one.matches(type: "t", subject: "/imports/1"))
        #expect(one.matches(type: "t", subject: "/imports/1/citizens/14"))
        #expect(!one.matches(type: "t", subject: "/imports/14"))
        #expect(!one.matches(type: "t", subject: "/imports"))
        let below = EventFilter(types: [], subjects: ["/imports/1/"])
        #expect(below.matches(type: "t", subject: "/imports/1/citizens/2") && !below.matches(type: "t", subject: "/imports/1"))
        #expect(!below.matches(type: "t", subject: "/imports/14/citizens/2"))
        #expect(EventFilter(types: [], subjects: ["/"]).matches(type: "t", subject: "/airports/3"))
        #expect(EventFilter(types: [], subjects: []).matches(type: "t", subject: "/anything"))
        #expect(EventFilter.subjectPrefix("imports/1") == nil && EventFilter.subjectPrefix("/imports/1") == "/imports/1")
    }

    @Test func typesMatchAsPrefixes() {
        let filter = EventFilter(types: ["insikt.airport.", "insikt.import.created"], subjects: [])
        #expect(filter.matches(type: "insikt.airport.updated", subject: "/airports/1"))
        #expect(filter.matches(type: "insikt.import.created", subject: "/imports/1"))
        #expect(!filter.matches(type: "insikt.citizen.updated", subject: "/imports/1/citizens/1"))
        #expect(!filter.matches(type: "insikt.airports.uploaded", subject: "/airports"))
    }

    /// 100,000 prefixes cost a set's work per event, not a scan per element: matching 2,000
    /// events against 10× more prefixes takes about as long (a generous hang guard, not a benchmark).
    @Test func longListsCostNoScanPerEvent() {
        func timed(_ count: Int) -> Double {
            let filter = EventFilter(types: (0..<count).map { "insikt.kind\($0)." }, subjects: (0..<count).map { "/imports/\($0)x" })
            let started = Date()
            var matched = 0
            for i in 0..<2000 where filter.matches(type: "insikt.other\(i % 50).updated", subject: "/imports/\(i)/citizens/\(i)") { matched += 1 }
            #expect(matched == 0)
            return Date().timeIntervalSince(started)
        }
        let small = timed(10_000)
        let large = timed(100_000)
        #expect(large < max(small * 10, 0.5), "10,000 prefixes: \(small) s, 100,000: \(large) s")
    }
}
