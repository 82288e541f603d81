import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The SSRF guard (events.md): webhook URLs are http or https, and unless private addresses are
/// allowed (`--webhook-allow-private`) none of their host's addresses may be loopback,
/// link-local, private, or otherwise not on the public internet. Checked when an endpoint is
/// saved and again on every connection the sender opens, so DNS rebinding cannot get around it.
/// Sources (sources.md) pull through the same guard, on their URL and every redirect hop.
public struct AddressPolicy: Sendable {
    public let allowPrivate: Bool
    /// Who is refused and what lifts it, for the message: "webhooks go to", "--webhook-allow-private".
    let refusedUse: String
    let liftedBy: String

    public init(allowPrivate: Bool, refusedUse: String = "webhooks go to", liftedBy: String = "--webhook-allow-private") {
        self.allowPrivate = allowPrivate
        self.refusedUse = refusedUse
        self.liftedBy = liftedBy
    }

    /// Why `text` cannot be a webhook URL, or nil when it can. Resolves the host (blocking).
    public func problem(with text: String) -> String? {
        guard text.utf8.count <= 2000 else { return "must be at most 2000 characters" }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            return "must be an absolute http or https URL such as https://example.com/hooks/insikt"
        }
        guard scheme == "http" || scheme == "https" else { return "must use http or https, not \(scheme)" }
        guard let host = AddressPolicy.host(of: components), !host.isEmpty else { return "must name a host" }
        if let port = components.port, !(1...65535).contains(port) { return "has a port outside 1-65535" }
        guard !allowPrivate else { return nil }
        let addresses: [[UInt8]]
        switch AddressPolicy.resolve(host) {
        case let .failure(reason): return "the host \(host) does not resolve (\(reason))"
        case let .success(found): addresses = found
        }
        if let refused = addresses.first(where: AddressPolicy.isPrivate) {
            return "the host \(host) resolves to \(AddressPolicy.text(refused)), a loopback, link-local or private address; \(refusedUse) public addresses only (the server's \(liftedBy) lifts this)"
        }
        return nil
    }

    /// The host without the brackets of an IPv6 literal.
    static func host(of components: URLComponents) -> String? {
        guard var host = components.host else { return nil }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host
    }

    enum Failure: Error { case unresolved(String) }

    /// Every address of `host` (4 bytes for IPv4, 16 for IPv6).
    static func resolve(_ host: String) -> Result<[[UInt8]], Failure> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = 0  // any: only the addresses matter (and SOCK_STREAM is not visible to every build of this module)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0 else { return .failure(.unresolved(String(cString: gai_strerror(status)))) }
        defer { freeaddrinfo(list) }
        var addresses: [[UInt8]] = []
        var node = list
        while let current = node {
            if let address = current.pointee.ai_addr, let bytes = AddressPolicy.bytes(of: address) { addresses.append(bytes) }
            node = current.pointee.ai_next
        }
        return addresses.isEmpty ? .failure(.unresolved("no addresses")) : .success(addresses)
    }

    /// The IP address of a socket address, or nil for another family.
    public static func bytes(of address: UnsafePointer<sockaddr>) -> [UInt8]? {
        switch Int32(address.pointee.sa_family) {
        case AF_INET:
            return address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 in
                withUnsafeBytes(of: v4.pointee.sin_addr) { Array($0) }
            }
        case AF_INET6:
            return address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
                withUnsafeBytes(of: v6.pointee.sin6_addr) { Array($0) }
            }
        default:
            return nil
        }
    }

    /// True for addresses that are not on the public internet.
    public static func isPrivate(_ address: [UInt8]) -> Bool {
        switch address.count {
        case 4: return isPrivateIPv4(address)
        case 16: return isPrivateIPv6(address)
        default: return true
        }
    }

    static func isPrivateIPv4(_ a: [UInt8]) -> Bool {
        switch (a[0], a[1]) {
        case (0, _), (10, _), (127, _): return true               // "this network", private, loopback
        case (100, 64...127): return true                          // shared address space (CGNAT)
        case (169, 254): return true                               // link-local (cloud metadata)
        case (172, 16...31), (192, 168): return true               // private
        case (192, 0) where a[2] == 0 || a[2] == 2: return true    // IETF protocol assignments, TEST-NET-1
        case (198, 51) where a[2] == 100, (203, 0) where a[2] == 113: return true  // TEST-NET-2 and -3
        case (198, 18...19): return true                           // benchmarking
        case (224...255, _): return true                           // multicast, reserved, broadcast
        default: return false
        }
    }

    static func isPrivateIPv6(_ a: [UInt8]) -> Bool {
        let zeroPrefix = a[0..<10].allSatisfy { $0 == 0 }
        if zeroPrefix && a[10] == 0xFF && a[11] == 0xFF { return isPrivateIPv4(Array(a[12...])) }  // ::ffff:a.b.c.d
        if a[0..<12].allSatisfy({ $0 == 0 }) { return true }      // ::, ::1, and the old ::a.b.c.d
        if a[0] == 0x00 && a[1] == 0x64 && a[2] == 0xFF && a[3] == 0x9B && a[4..<12].allSatisfy({ $0 == 0 }) {
            return isPrivateIPv4(Array(a[12...]))                  // NAT64 64:ff9b::/96
        }
        if a[0] == 0x20 && a[1] == 0x02 { return isPrivateIPv4(Array(a[2..<6])) }  // 6to4 2002::/16
        if a[0] & 0xFE == 0xFC { return true }                     // unique local fc00::/7
        if a[0] == 0xFE && a[1] & 0xC0 == 0x80 { return true }     // link-local fe80::/10
        if a[0] == 0xFE && a[1] & 0xC0 == 0xC0 { return true }     // site-local fec0::/10 (deprecated)
        if a[0] == 0xFF { return true }                            // multicast
        return false
    }

    public static func text(_ address: [UInt8]) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = address.count == 4 ? AF_INET : AF_INET6
        let ok = address.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &buffer, socklen_t(buffer.count)) } != nil
        return ok ? String(cString: buffer) : "an unknown address"
    }
}
