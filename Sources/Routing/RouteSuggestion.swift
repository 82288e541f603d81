import HTTP

/// The 404 for a path no route takes, with the path that was probably meant: `/airport/1` →
/// `/airports/1`, `/airports/1/` → `/airports/1`, `/import` → `/imports`. Computed only for 404s.
extension Router.Table {
    public func notFound(_ method: HTTPMethod, path: String, query: String?) -> HTTPError {
        let asked = query.map { path + "?" + $0 } ?? path
        guard let suggested = suggestion(method, path: path) else {
            return .notFound("No route \(method.answeredAs) \(asked).")
        }
        let target = query.map { suggested + "?" + $0 } ?? suggested
        var error = HTTPError.notFound("No route \(method.answeredAs) \(asked). Did you mean \(target)?")
        error.members = [("suggestion", .string(target))]
        return error
    }

    /// The nearest path some route takes, if it is a few edits away; nil when none is close.
    func suggestion(_ method: HTTPMethod, path: String) -> String? {
        let raw = Router.segments(of: path)
        // Empty segments (a trailing or doubled slash) are dropped at a cost of one edit.
        let kept = raw.filter { !$0.isEmpty }
        var cost = kept.count == raw.count ? 0 : 1
        if path == "/" { cost = 0 }
        var decoded: [String] = []
        for segment in kept {
            guard let text = PercentDecoding.decode(segment) else { return nil }
            decoded.append(text)
        }
        var best: (cost: Int, takesMethod: Bool, segments: [String])?
        var chosen: [String] = []
        func visit(_ node: Node, _ index: Int, _ cost: Int) {
            guard cost <= Router.maxSuggestionEdits else { return }
            if index == decoded.count {
                guard !node.routes.isEmpty, cost > 0 else { return }
                let takesMethod = node.routes[method] != nil || method == .OPTIONS || (method == .HEAD && node.routes[.GET] != nil)
                if best == nil || cost < best!.cost || (cost == best!.cost && takesMethod && !best!.takesMethod) {
                    best = (cost, takesMethod, chosen)
                }
                return
            }
            let segment = decoded[index]
            for (key, child) in node.fixed {
                let distance = key == segment ? 0 : Router.editDistance(segment, key, limit: Router.allowedEdits(key))
                guard let distance else { continue }
                chosen.append(distance == 0 ? String(kept[index]) : key)
                visit(child, index + 1, cost + distance)
                chosen.removeLast()
            }
            if let parameter = node.parameter {
                let (kind, child) = (parameter.kind, parameter.node)
                let fits = kind == .int ? Router.nonNegativeInt(segment) != nil : !segment.isEmpty
                if fits {
                    chosen.append(String(kept[index]))
                    visit(child, index + 1, cost)
                    chosen.removeLast()
                }
            }
        }
        visit(root, 0, cost)
        guard let best else { return nil }
        return "/" + best.segments.joined(separator: "/")
    }
}

extension Router {
    static let maxSuggestionEdits = 2

    /// One typo in a short segment, two in a longer one.
    static func allowedEdits(_ key: String) -> Int {
        key.unicodeScalars.count <= 4 ? 1 : 2
    }

    /// Edits (insert, delete, substitute, swap two neighbours) from `a` to `b`; nil when more
    /// than `limit`.
    static func editDistance(_ a: String, _ b: String, limit: Int) -> Int? {
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        if abs(x.count - y.count) > limit { return nil }
        if x.isEmpty || y.isEmpty { return max(x.count, y.count) <= limit ? max(x.count, y.count) : nil }
        var before = [Int](repeating: 0, count: y.count + 1)
        var previous = Array(0...y.count)
        var current = [Int](repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            current[0] = i
            var rowMinimum = i
            for j in 1...y.count {
                let substitution = previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1)
                var value = min(previous[j] + 1, current[j - 1] + 1, substitution)
                if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] { value = min(value, before[j - 2] + 1) }
                current[j] = value
                rowMinimum = min(rowMinimum, value)
            }
            if rowMinimum > limit { return nil }
            (before, previous, current) = (previous, current, before)
        }
        let distance = previous[y.count]
        return distance <= limit ? distance : nil
    }
}
