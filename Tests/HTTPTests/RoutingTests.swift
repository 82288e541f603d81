import Foundation
import Routing
import Testing
import TestSupport

@Suite struct RoutingTests {
    let port = TestServer.port

    @Test func unknownPathIs404() throws {
        let r = try httpRequest(port: port, "GET", "/no/such/path")
        #expect(r.status == 404)
        #expect((r.json as? [String: Any])?["status"] as? Int == 404)
    }

    @Test func wrongMethodIs405WithAllow() throws {
        let r = try httpRequest(port: port, "POST", "/items/3")
        #expect(r.status == 405)
        #expect(r.header("Allow") == "GET, HEAD, PATCH, DELETE, OPTIONS")
    }

    @Test func optionsListsTheMethodsOfThePath() throws {
        let r = try httpRequest(port: port, "OPTIONS", "/items/3")
        #expect(r.status == 200)
        #expect(r.header("Allow") == "GET, HEAD, PATCH, DELETE, OPTIONS")
        #expect(r.header("Content-Length") == "0")
        #expect(r.body.isEmpty)
        #expect(try httpRequest(port: port, "OPTIONS", "/echo").header("Allow") == "POST, OPTIONS")
        #expect(try httpRequest(port: port, "OPTIONS", "/nope").status == 404)
    }

    @Test func fixedSegmentsWinOverParameters() throws {
        #expect(try httpRequest(port: port, "GET", "/items/special").text == "special")
        let r = try httpRequest(port: port, "PATCH", "/items/special")
        #expect(r.status == 405)
        #expect(r.header("Allow") == "GET, HEAD, OPTIONS")
    }

    @Test func integerParametersThatDoNotParseAre404() throws {
        #expect(try httpRequest(port: port, "GET", "/items/9223372036854775807").text == "item 9223372036854775807")
        for bad in ["9223372036854775808", "99999999999999999999999", "-1", "+1", "1.0", "abc", "0x10", "%20"] {
            #expect(try httpRequest(port: port, "GET", "/items/\(bad)").status == 404, "\(bad)")
        }
        #expect(try httpRequest(port: port, "GET", "/items/").status == 404)
        #expect(try httpRequest(port: port, "GET", "/hello/").status == 404)
    }

    @Test func corsPreflightAnswers204WithTheAllowHeaders() throws {
        let r = try httpRequest(port: port, "OPTIONS", "/items/3", headers: [
            ("Origin", "https://front.example"), ("Access-Control-Request-Method", "PATCH"),
            ("Access-Control-Request-Headers", "X-Custom, content-type"),
        ])
        #expect(r.status == 204)
        #expect(r.header("Access-Control-Allow-Origin") == "*")
        #expect(r.header("Access-Control-Allow-Methods") == "GET, HEAD, PATCH, DELETE, OPTIONS")
        let allowed = r.header("Access-Control-Allow-Headers") ?? ""
        for name in ["Content-Type", "If-Match", "If-None-Match", "X-Request-Id", "traceparent", "tracestate", "X-Custom"] {
            #expect(allowed.contains(name), "\(name) missing in \(allowed)")
        }
        #expect(r.header("Access-Control-Max-Age") == "600")
    }

    /// A handler that reads a path parameter its route does not have gets an error, answered
    /// 500 (a bug, said so in the log), and the server goes on serving.
    @Test func aMissingPathParameterIsA500NotACrash() throws {
        let r = try httpRequest(port: port, "GET", "/typo/7")
        #expect(r.status == 500 && r.header("Content-Type")?.hasPrefix("application/problem+json") == true, "\(r.status) \(r.text)")
        #expect(!r.text.contains("path parameter"), "internals stay out of the answer: \(r.text)")
        #expect(try httpRequest(port: port, "GET", "/items/7").text == "item 7")
    }

    @Test func everyCrossOriginResponseCarriesCorsHeaders() throws {
        for (method, path) in [("GET", "/hello"), ("GET", "/missing"), ("POST", "/hello"), ("GET", "/fail")] {
            let r = try httpRequest(port: port, method, path, headers: [("Origin", "https://front.example")])
            #expect(r.header("Access-Control-Allow-Origin") == "*", "\(method) \(path)")
            #expect(r.header("Access-Control-Expose-Headers") == "ETag, Location, Retry-After, X-Request-Id, traceresponse, Insikt-Consistency")
        }
        #expect(try httpRequest(port: port, "GET", "/hello").header("Access-Control-Allow-Origin") == nil)
    }

    /// Browsers hide response headers a script may not read; these are the ones clients need
    /// (Retry-After on 503s, ETag for If-Match, Location after a create, the request id).
    @Test func corsExposesRetryAfterETagLocationAndTheRequestId() throws {
        for (method, path) in [("GET", "/hello"), ("GET", "/missing"), ("GET", "/fail"), ("GET", "/stream")] {
            let r = try httpRequest(port: port, method, path, headers: [("Origin", "https://front.example")])
            let exposed = (r.header("Access-Control-Expose-Headers") ?? "").split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces).lowercased()
            }
            for name in ["retry-after", "etag", "location", "x-request-id"] {
                #expect(exposed.contains(name), "\(method) \(path): \(name) not in \(exposed)")
            }
        }
    }

    @Test func aDisallowedOriginGetsNoCorsHeaders() throws {
        let server = try TestServer.start(cors: CORSPolicyFactory.only("https://allowed.example"))
        defer { server.shutdown() }
        let preflight = try httpRequest(port: server.port, "OPTIONS", "/hello", headers: [
            ("Origin", "https://evil.example"), ("Access-Control-Request-Method", "GET"),
        ])
        #expect(preflight.header("Access-Control-Allow-Origin") == nil)
        #expect(preflight.header("Allow") == "GET, HEAD, OPTIONS")
        let allowed = try httpRequest(port: server.port, "GET", "/hello", headers: [("Origin", "https://allowed.example")])
        #expect(allowed.header("Access-Control-Allow-Origin") == "https://allowed.example")
        let denied = try httpRequest(port: server.port, "GET", "/hello", headers: [("Origin", "https://evil.example")])
        #expect(denied.header("Access-Control-Allow-Origin") == nil)
    }

    @Test func optionsAsteriskListsEveryMethod() throws {
        let c = try RawConnection(port: port)
        try c.send("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n")
        let r = try c.readResponse()
        #expect(r.status == 200)
        #expect(r.header("Allow") == "GET, HEAD, POST, PATCH, DELETE, OPTIONS")
    }
}

import HTTP

enum CORSPolicyFactory {
    static func only(_ origin: String) -> CORSPolicy { CORSPolicy(allowedOrigins: [origin]) }
}
