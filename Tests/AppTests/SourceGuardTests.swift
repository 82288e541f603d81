import App
import Events
import Foundation
import Glibc
import Outgoing
import Testing
import TestSupport

/// sources.md, with servers of their own settings: a hanging server times out and is retried, a
/// redirect to a private address is refused, https with a CA the test makes (`--source-ca-file`).
@Suite struct SourceGuardTests {
    @Test func aHangingServerTimesOutAndIsRetried() throws {
        let base = SourceTesting.airportBase()
        let csv = SourceTesting.airports(base: base, count: 4)
        let server = try WebhookReceiver { index, _ in index == 0 ? .init(200, delay: 5, body: csv) : .init(200, body: csv) }
        defer { server.stop() }
        let (application, database) = try SourceTesting.ownApplication { configuration in
            configuration.sources.timeout = 0.5
        }
        defer { SourceTesting.finish(application, database) }
        let port = application.port
        let source = try SourceTesting.create(port, url: server.url("/slow.csv"))
        let job = try SourceTesting.pull(port, source)
        #expect(job.string("state") == "succeeded", "\(job)")
        let run = try SourceTesting.lastRun(port, source)
        #expect(run.string("outcome") == "loaded" && run.int("attempts") == 2, "\(run)")
        let log = try httpRequest(port: port, "GET", "/jobs/\(job.int("id") ?? 0)/log").text
        #expect(log.contains("attempt 1 failed (no whole answer within 0.5 s (timeout))"), "\(log)")
    }

    @Test func aBodyLargerThanTheUploadLimitIsRefusedAtOnce() throws {
        let csv = SourceTesting.airports(base: SourceTesting.airportBase(), count: 200)
        let server = try WebhookReceiver { _, _ in .init(200, body: csv) }
        defer { server.stop() }
        let (application, database) = try SourceTesting.ownApplication { configuration in
            configuration.server.maxBodyBytes = 4096
        }
        defer { SourceTesting.finish(application, database) }
        let source = try SourceTesting.create(application.port, url: server.url("/big.csv"))
        #expect(try SourceTesting.pull(application.port, source).string("state") == "failed")
        let run = try SourceTesting.lastRun(application.port, source)
        #expect(run.string("outcome") == "failed" && run.int("attempts") == 1 && run.object("problem")?.int("status") == 413, "\(run)")
        #expect(run.object("problem")?.string("detail")?.contains("larger than the upload limit of 4096 bytes") == true, "\(run)")
        #expect(server.requests.count == 1)
    }

    @Test func aRedirectToAPrivateAddressIsRefusedAndNotRetried() throws {
        let target = try WebhookReceiver { _, _ in .init(200, body: SourceTesting.airports(base: SourceTesting.airportBase(), count: 1)) }
        defer { target.stop() }
        let first = try WebhookReceiver { _, _ in .init(302, headers: [("Location", target.url("/inside.csv"))]) }
        defer { first.stop() }
        let (application, database) = try SourceTesting.ownApplication { configuration in
            configuration.sources.allowPrivate = false
            // The test's own first hop stands for a public server; the redirect's target does not.
            configuration.sources.privateExceptions = ["127.0.0.1:\(first.port)"]
        }
        defer { SourceTesting.finish(application, database) }
        let port = application.port
        let refused = try httpRequest(port: port, "POST", "/sources", json: #"{"name": "inside", "url": "\#(target.url("/x.csv"))", "kind": "airports"}"#)
        #expect(refused.status == 400 && refused.errors?.first?.string("pointer") == "/url", "\(refused.summary)")
        #expect(refused.text.contains("--source-allow-private"), "\(refused.summary)")

        let source = try SourceTesting.create(port, url: first.url("/outside.csv"))
        let job = try SourceTesting.pull(port, source)
        #expect(job.string("state") == "failed", "\(job)")
        let run = try SourceTesting.lastRun(port, source)
        #expect(run.string("outcome") == "failed" && run.int("attempts") == 1 && run.isNull("http_status"), "\(run)")
        #expect(run.object("problem")?.string("detail")?.contains("refused: the URL or a redirect leads to 127.0.0.1") == true, "\(run)")
        #expect(first.requests.count == 1)
        #expect(target.requests.isEmpty, "no connection reached the private address")
    }

    @Test func anHTTPSServerWithACertificateOfTheTestsOwnCAIsPulledWithTheCAFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("insikt-source-tls-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let base = SourceTesting.airportBase()
        try Data(SourceTesting.airports(base: base, count: 6)).write(to: URL(fileURLWithPath: directory + "/airports.csv"))
        try Data(Self.tlsServer.utf8).write(to: URL(fileURLWithPath: directory + "/serve.py"))
        for command in [
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=insikt test CA"],
            ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"],
            ["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2",
             "-extfile", "san.cnf"],
        ] {
            if command[0] == "x509" { try Data("subjectAltName=IP:127.0.0.1,DNS:localhost\n".utf8).write(to: URL(fileURLWithPath: directory + "/san.cnf")) }
            #expect(spawnAndWait("/bin/sh", ["-c", "cd \(directory) && openssl " + command.map { "'\($0)'" }.joined(separator: " ")]) == 0,
                    "openssl \(command)")
        }
        let tlsPort = freePort()
        let server = try #require(spawnInBackground("/usr/bin/python3", [directory + "/serve.py", directory, String(tlsPort)],
                                                    stderrPath: directory + "/server.log", environment: ["PATH": "/usr/bin:/bin"]))
        defer { kill(server, SIGTERM); _ = waitForExit(server) }

        let (application, database) = try SourceTesting.ownApplication { configuration in
            configuration.sources.caFile = directory + "/ca.pem"
        }
        defer { SourceTesting.finish(application, database) }
        let port = application.port
        #expect(WebhookTesting.eventually(timeout: 10) { (try? RawConnection(port: tlsPort)) != nil }, "the https server listens")
        let source = try SourceTesting.create(port, url: "https://127.0.0.1:\(tlsPort)/airports.csv")
        let job = try SourceTesting.pull(port, source)
        #expect(job.string("state") == "succeeded" && job.object("result")?.int("rows") == 6, "\(job)")

        // Without the CA file the certificate is not trusted: the pull fails, naming why.
        let (plain, plainDatabase) = try SourceTesting.ownApplication { configuration in
            configuration.sources.retrySchedule = RetrySchedule(delays: [0.05])
        }
        defer { SourceTesting.finish(plain, plainDatabase) }
        let untrusted = try SourceTesting.create(plain.port, url: "https://127.0.0.1:\(tlsPort)/airports.csv", extra: #", "retries": 0"#)
        #expect(try SourceTesting.pull(plain.port, untrusted).string("state") == "failed")
        let run = try SourceTesting.lastRun(plain.port, untrusted)
        #expect(run.object("problem")?.string("detail")?.lowercased().contains("certificate") == true, "\(run)")
    }

    /// A static https server over one directory, on 127.0.0.1.
    static let tlsServer = """
        import functools, http.server, ssl, sys
        directory, port = sys.argv[1], int(sys.argv[2])
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=directory)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(directory + "/server.pem", directory + "/server.key")
        server.socket = context.wrap_socket(server.socket, server_side=True)
        server.serve_forever()
        """
}
