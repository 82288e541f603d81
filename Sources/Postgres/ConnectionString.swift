import CLibPQ

/// Rewrites libpq connection strings (URI or key=value) as key=value text.
public enum ConnectionString {
    /// One connection string for each host of `url` (`host=db2,db3` gives two), with every other
    /// setting kept; a `port` or `hostaddr` listing one value per host goes with its host. nil when
    /// libpq cannot parse `url`.
    public static func oneForEachHost(_ url: String) -> [String]? {
        var message: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(url, &message) else {
            if let message { PQfreemem(message) }
            return nil
        }
        defer { PQconninfoFree(options) }
        var settings: [(keyword: String, value: String)] = []
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val { settings.append((String(cString: keyword), String(cString: value))) }
            option += 1
        }
        func values(_ keyword: String) -> [String]? {
            settings.first { $0.keyword == keyword }?.value.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        let count = (values("host") ?? values("hostaddr"))?.count ?? 1
        let perHost = Set(["host", "hostaddr", "port"].filter { values($0)?.count == count })
        return (0..<count).map { index in
            settings.map { keyword, value in
                let chosen = perHost.contains(keyword) && count > 1 ? (values(keyword)?[index] ?? value) : value
                return "\(keyword)=\(quoted(chosen))"
            }.joined(separator: " ")
        }
    }

    /// A value as libpq's key=value syntax reads it back verbatim.
    static func quoted(_ value: String) -> String {
        var text = "'"
        for character in value {
            if character == "\\" || character == "'" { text.append("\\") }
            text.append(character)
        }
        return text + "'"
    }
}
