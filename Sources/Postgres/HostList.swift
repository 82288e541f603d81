import CLibPQ

/// The hosts of a libpq connection string with more than one (`host=db1,db2`). libpq's blocking
/// connect gives each host its own `connect_timeout`, but its non-blocking connect has no timeout
/// at all: a caller gives up on the whole attempt, and the next attempt would start at the same
/// first host again. When that host drops packets, no attempt would ever reach the second. So a
/// timed-out attempt's next one starts at the host after the one it hung on.
struct HostList {
    /// `host`, and `hostaddr` and `port` when they list one value per host.
    private var lists: [(keyword: String, values: [String])] = []
    let count: Int

    /// nil: one host (or none), nothing to rotate.
    init?(url: String) {
        var message: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(url, &message) else {
            if let message { PQfreemem(message) }
            return nil
        }
        defer { PQconninfoFree(options) }
        var values: [String: [String]] = [:]
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val {
                values[String(cString: keyword)] = String(cString: value).split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            }
            option += 1
        }
        guard let hosts = values["host"] ?? values["hostaddr"], hosts.count > 1 else { return nil }
        count = hosts.count
        for keyword in ["host", "hostaddr", "port"] {
            if let list = values[keyword], list.count == count { lists.append((keyword, list)) }
        }
    }

    /// Where `host` (as `PQhost` names it) stands in the list.
    func index(of host: String) -> Int? {
        lists.first { $0.keyword == "host" }?.values.firstIndex(of: host)
            ?? lists.first { $0.keyword == "hostaddr" }?.values.firstIndex(of: host)
    }

    /// Keywords that, given after the connection string, make libpq try the hosts from `first` on.
    func keywords(startingAt first: Int) -> [(String, String)] {
        let start = first % count
        return lists.map { keyword, values in
            (keyword, (values[start...] + values[..<start]).joined(separator: ","))
        }
    }
}
