import HTTP

/// `/healthz`, `/readyz` and `/metrics`.
enum HealthHandlers {
    static func healthz(_ request: Request) throws -> Response {
        .json(200, Array(#"{"status":"ok"}"#.utf8))
    }

    static func readyz(_ readiness: @escaping @Sendable () -> (ready: Bool, reason: String)) -> Handler {
        return { _ in
            let state = readiness()
            guard state.ready else { throw HTTPError.unavailable(state.reason, retryAfter: 1) }
            return .json(200, Array(#"{"status":"ready"}"#.utf8))
        }
    }

    static func metrics(_ metrics: ServerMetrics) -> Handler {
        return { _ in
            Response(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: Array(metrics.render().utf8))
        }
    }
}
