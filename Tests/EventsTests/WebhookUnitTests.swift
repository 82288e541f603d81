import Foundation
import Outgoing
import Testing
@testable import Events

/// The pieces of webhook delivery that need no server: signatures, the retry schedule, the
/// address guard.
@Suite struct WebhookUnitTests {
    @Test func theSignatureMatchesTheStandardWebhooksTestVector() {
        let signature = WebhookSignature.signature(secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
                                                   timestamp: 1614265330, body: Array(#"{"test": 2432232314}"#.utf8))
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test func aNewSecretIsWhsecAndTheBase64Of32RandomBytes() {
        let secret = WebhookSignature.newSecret()
        #expect(secret.hasPrefix("whsec_"))
        #expect(WebhookSignature.key(ofSecret: secret)?.count == 32)
        #expect(secret != WebhookSignature.newSecret())
        #expect(WebhookSignature.signature(secret: "whsec_not base64!", id: "1", timestamp: 1, body: []) == nil)
    }

    @Test func theRetryScheduleIsReadAndJitteredWithinTwentyPercent() throws {
        let schedule = try #require(RetrySchedule("0.05, 0.1,0.2"))
        #expect(schedule.delays == [0.05, 0.1, 0.2])
        for bad in ["", "1,,2", "-1", "x", "1,nan", "5,inf"] { #expect(RetrySchedule(bad) == nil, "\(bad)") }
        for _ in 0..<200 {
            let delay = try #require(RetrySchedule.standard.delay(afterAttempt: 2, retryAfter: nil))
            #expect(delay >= 240 && delay <= 360)
        }
        #expect(RetrySchedule.standard.delay(afterAttempt: 8, retryAfter: nil) == nil)
        #expect(RetrySchedule.standard.delay(afterAttempt: 1, retryAfter: 120) == 120)
    }

    @Test func retryAfterIsSecondsOrAnHTTPDate() {
        #expect(RetrySchedule.retryAfter("120") == 120)
        let now = Date(timeIntervalSince1970: 1_445_412_480)  // Wed, 21 Oct 2015 07:28:00 GMT
        #expect(RetrySchedule.retryAfter("Wed, 21 Oct 2015 07:28:30 GMT", now: now) == 30)
        #expect(RetrySchedule.retryAfter("soon") == nil)
    }

    @Test func loopbackLinkLocalAndPrivateAddressesAreRefused() {
        let refused = ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
                       "224.0.0.1", "192.0.2.1", "203.0.113.9", "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
                       "64:ff9b::a00:1", "2002:a00:1::1", "ff02::1"]
        let allowed = ["93.184.216.34", "8.8.8.8", "172.32.0.1", "2606:4700::1111", "::ffff:8.8.8.8"]
        for text in refused { #expect(Self.isPrivate(text) == true, "\(text)") }
        for text in allowed { #expect(Self.isPrivate(text) == false, "\(text)") }
    }

    @Test func urlsMustBeHTTPAndMayNotReachPrivateHosts() {
        let strict = AddressPolicy(allowPrivate: false)
        for url in ["http://127.0.0.1:8080/x", "http://10.0.0.5/", "http://169.254.169.254/latest/meta-data", "http://[::1]:9000/hook",
                    "https://localhost/hook"] {
            #expect(strict.problem(with: url)?.contains("private") == true, "\(url): \(strict.problem(with: url) ?? "accepted")")
        }
        #expect(strict.problem(with: "ftp://example.com/")?.contains("http or https") == true)
        #expect(strict.problem(with: "not a url") != nil)
        #expect(strict.problem(with: "http:///path") != nil)
        #expect(strict.problem(with: "http://93.184.216.34/hook") == nil)
        let open = AddressPolicy(allowPrivate: true)
        #expect(open.problem(with: "http://127.0.0.1:8080/x") == nil)
        #expect(open.problem(with: "gopher://127.0.0.1/") != nil)
    }

    static func isPrivate(_ text: String) -> Bool? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return AddressPolicy.isPrivate(withUnsafeBytes(of: v4) { Array($0) }) }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return AddressPolicy.isPrivate(withUnsafeBytes(of: v6) { Array($0) }) }
        return nil
    }
}
