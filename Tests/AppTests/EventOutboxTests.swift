import Identity
@testable import Outbox
import Testing

/// The CloudEvents extension attributes the outbox writes for a change's origin (events.md).
@Suite struct EventOutboxTests {
    @Test func theOriginBecomesStringAttributesEachLeftOutWhenUnknown() {
        let trace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        let keyed = EventOrigin(actor: Actor(id: "k1", name: "ci \"bot\"", role: .editor), traceparent: trace)
        #expect(String(decoding: EventOutbox.extensions(keyed), as: UTF8.self)
                == #","actorid":"k1","actorname":"ci \"bot\"","traceparent":"\#(trace)""#)
        #expect(String(decoding: EventOutbox.extensions(EventOrigin(actor: nil, traceparent: trace)), as: UTF8.self)
                == #","traceparent":"\#(trace)""#)
        #expect(EventOutbox.extensions(nil).isEmpty)
    }
}
