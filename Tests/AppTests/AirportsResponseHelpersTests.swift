import Testing
import TestSupport

/// The test helpers turn an unexpected answer into a failed expectation that prints it, where
/// `as!` used to crash the whole test process (AirportsAPITests.validationNamesEachField in CI).
@Suite struct AirportsResponseHelpersTests {
    static func answer(_ status: Int, _ body: String) -> RawResponse {
        RawResponse(status: status, reason: "", headers: [], body: Array(body.utf8), head: "")
    }

    @Test func anUnexpectedAnswerIsAFailedExpectationThatPrintsIt() throws {
        let problem = Self.answer(409, #"{"type":"about:blank","status":409,"detail":"An airport with that id exists already."}"#)
        try withKnownIssue {
            let _: Int = try problem.dataField("id")
        } matching: { issue in
            issue.description.contains("409") && issue.description.contains("exists already")
        }
        try withKnownIssue {
            _ = try Self.answer(200, "not json").requireDataArray()
        } matching: { issue in
            issue.description.contains("not json")
        }
        #expect(problem.dataObject == nil)
        #expect(problem.object?.int("status") == 409)
    }

    @Test func typedAccessorsReadWhatIsThere() throws {
        let r = Self.answer(200, #"{"data":{"id":7,"name":"A","timezone":5.75,"iata":null,"list":[1,2]},"errors":[{"line":2}]}"#)
        #expect(try r.dataField("id") as Int == 7)
        #expect(r.dataObject?.string("name") == "A")
        #expect(r.dataObject?.double("timezone") == 5.75)
        #expect(r.dataObject?.isNull("iata") == true)
        #expect(r.dataObject?.ints("list") == [1, 2])
        #expect(r.dataObject?.int("name") == nil)
        #expect(r.errors?.first?.int("line") == 2)
    }
}
