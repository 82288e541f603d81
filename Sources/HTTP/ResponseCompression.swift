/// gzip for responses worth it, when the client accepts it.
enum ResponseCompression {
    static func apply(_ response: inout Response, acceptEncoding: String?, threshold: Int) {
        guard response.body.count >= threshold, negotiate(&response, acceptEncoding: acceptEncoding) else { return }
        response.body = Gzip.compress(response.body)
        response.headers.add("Content-Encoding", "gzip")
    }

    /// For a streamed body (its size unknown): the headers, and whether to gzip it.
    static func applyToStream(_ response: inout Response, acceptEncoding: String?) -> Bool {
        guard negotiate(&response, acceptEncoding: acceptEncoding) else { return false }
        response.headers.add("Content-Encoding", "gzip")
        return true
    }

    /// A body worth compressing gets `Vary: Accept-Encoding`; true when this client takes gzip.
    private static func negotiate(_ response: inout Response, acceptEncoding: String?) -> Bool {
        guard !HTTPStatus.forbidsBody(response.status), response.headers.first("Content-Encoding") == nil,
              isCompressible(response.headers.first("Content-Type")) else { return false }
        addVary("Accept-Encoding", to: &response.headers)
        guard let acceptEncoding else { return false }
        return acceptsGzip(acceptEncoding)
    }

    /// One `Vary` field naming `name` beside what the handler's `Vary` named (`Vary: Accept`
    /// becomes `Vary: Accept, Accept-Encoding`): a second field is legal but clients and caches
    /// that read only the first would miss it.
    static func addVary(_ name: String, to headers: inout Headers) {
        var names: [String] = []
        for field in headers where Headers.equalsIgnoringCase(field.name, "Vary") {
            names += field.value.split(separator: ",").map { $0.trimmingASCIIWhitespace() }.filter { !$0.isEmpty }
        }
        if names.contains("*") { return }
        if !names.contains(where: { Headers.equalsIgnoringCase($0, name) }) { names.append(name) }
        headers.set("Vary", names.joined(separator: ", "))
    }

    static func isCompressible(_ contentType: String?) -> Bool {
        guard let type = contentType?.lowercased() else { return false }
        return type.hasPrefix("text/") || type.hasPrefix("application/json") || type.hasPrefix("application/problem+json")
            || type.hasPrefix("application/javascript") || type.contains("+json")
    }

    /// True when `gzip` (or `*`) is listed without `q=0`.
    static func acceptsGzip(_ header: String) -> Bool {
        for item in header.split(separator: ",") {
            let parts = item.split(separator: ";").map { $0.trimmingASCIIWhitespace().lowercased() }
            guard let coding = parts.first, coding == "gzip" || coding == "*" else { continue }
            let rejected = parts.dropFirst().contains { param in
                guard param.hasPrefix("q=") else { return false }
                return (Double(param.dropFirst(2)) ?? 1) == 0
            }
            if !rejected { return true }
        }
        return false
    }
}
