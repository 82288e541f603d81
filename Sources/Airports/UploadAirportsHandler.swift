import HTTP
import Identity
import JSON
import Postgres

/// `POST /upload` and `POST /airports/upload`: the OpenFlights CSV as `text/csv` or as the
/// `file` field of `multipart/form-data`, streamed from the socket through the CSV reader into
/// COPY, then upserted by id. All or nothing.
public struct UploadAirportsHandler: Sendable {
    /// Rows read, body bytes read, and the share of the work done (0..<1); throwing stops the
    /// upload and rolls it back (a job's cancel).
    public typealias Progress = (_ rows: Int, _ bytesRead: Int64, _ fraction: Double, _ phase: String) throws -> Void

    let repository: AirportsRepository

    public init(repository: AirportsRepository) {
        self.repository = repository
    }

    public func handle(_ request: Request) throws -> Response {
        let result = try upload(contentType: request.headers["Content-Type"], expectedBytes: request.body.declaredLength,
                                read: request.body.read, origin: request.eventOrigin)
        return .json(200, UploadAirportsHandler.resultJSON(result, envelope: true))
    }

    /// `{"rows", "inserted", "updated"}`, in `{"data": ...}` when `envelope`.
    public static func resultJSON(_ result: AirportsRepository.UploadResult, envelope: Bool = false) -> [UInt8] {
        var w = JSONWriter(capacity: 96)
        if envelope { w.raw("{\"data\":") }
        w.raw("{\"rows\":"); w.int(result.rows)
        w.raw(",\"inserted\":"); w.int(result.inserted)
        w.raw(",\"updated\":"); w.int(result.updated)
        w.raw("}")
        if envelope { w.raw("}") }
        return w.bytes
    }

    /// The 415 (or 400 for a multipart body without boundary) of a body the upload cannot read,
    /// before any of it is read.
    @Sendable public static func checkContentType(_ contentType: String?) throws {
        _ = try multipartReader(contentType)
    }

    /// Where JSON goes, for a JSON body sent to the CSV upload.
    static let whereJSONGoes = "One airport as JSON goes to POST /airports (PUT or PATCH /airports/{id} to change one); citizens as JSON go to POST /imports."

    /// A reader of the `file` field when the body is multipart; nil for a plain CSV body.
    static func multipartReader(_ contentType: String?) throws -> MultipartReader? {
        let contentType = contentType ?? "text/csv"
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingASCIIWhitespace().lowercased() } ?? ""
        if mediaType == "multipart/form-data" {
            guard let reader = MultipartReader(contentType: contentType, fieldName: "file") else {
                throw HTTPError.badRequest("multipart/form-data needs a boundary parameter.")
            }
            return reader
        } else if mediaType == "application/json" || mediaType.hasSuffix("+json") {
            throw HTTPError(415, "This body is JSON, and this route reads the airports CSV: upload the file as text/csv or as the field file of multipart/form-data. \(UploadAirportsHandler.whereJSONGoes)")
        } else if !["text/csv", "text/plain", "application/csv", "application/octet-stream"].contains(mediaType) {
            throw HTTPError(415, "Upload the CSV as text/csv or as the field file of multipart/form-data.")
        }
        return nil
    }

    /// The one upload, of a request's body or of a job's stored one. `beforeCommit` runs inside
    /// the upload's transaction, last, with its result.
    public func upload(contentType: String?, expectedBytes: Int64?, read: () throws -> [UInt8]?, origin: EventOrigin?,
                       progress: Progress? = nil,
                       beforeCommit: (PostgresConnection, AirportsRepository.UploadResult) throws -> Void = { _, _ in })
        throws -> AirportsRepository.UploadResult {
        var multipart = try UploadAirportsHandler.multipartReader(contentType)
        var checker = AirportRowChecker()
        var start = CSVFileStart()
        var csv = CSVReader()
        // The first failure of the file's text (encoding, separator, quoting) ends the reading: what
        // follows cannot be split into fields reliably. The rest of the body is still drained.
        var textFailure: (line: Int, column: String, message: String)?
        var bytesRead: Int64 = 0
        return try AirportRequests.run {
            try repository.upload(origin: origin, beforeCommit: beforeCommit) { writer in
                func readText(_ step: () throws -> Void) throws {
                    guard textFailure == nil else { return }
                    do {
                        try step()
                    } catch let failure as CSVFileStart.Failure {
                        textFailure = (1, "header", failure.message)
                    } catch let failure as CSVReader.Failure {
                        textFailure = (failure.line, AirportColumn(rawValue: failure.column - 1)?.csvName ?? "-", failure.message)
                    }
                }
                func row(_ record: CSVReader.Record) throws {
                    try writer.append { checker.check(record, into: &$0) }
                }
                func toRows(_ piece: UnsafeBufferPointer<UInt8>) throws {
                    try csv.feed(piece, onRecord: row)
                }
                func consume(_ bytes: [UInt8]) throws {
                    try readText { try bytes.withUnsafeBufferPointer { try start.feed($0, toRows) } }
                }
                while let chunk = try read() {
                    if multipart != nil {
                        try multipart!.feed(chunk, output: consume)
                    } else {
                        try consume(chunk)
                    }
                    bytesRead += Int64(chunk.count)
                    if let progress {
                        // Reading and COPY are most of the work; the upsert after them the rest.
                        try progress(checker.rows, bytesRead, 0.9 * Double(bytesRead) / Double(max(expectedBytes ?? 0, bytesRead, 1)), "reading")
                    }
                }
                if let multipart {
                    try multipart.finish()
                    guard multipart.foundField else { throw HTTPError.badRequest("The multipart body has no field named file.") }
                }
                try readText {
                    try start.finish(toRows)
                    try csv.finish(onRecord: row)
                }
                if let textFailure {
                    checker.fail(line: textFailure.line, column: textFailure.column, textFailure.message)
                } else if !checker.sawHeader {
                    checker.fail(line: 1, column: "header", "the file is empty; its first line must be the header \(AirportRowChecker.header)")
                }
                guard checker.errors.isEmpty else {
                    throw checker.errors.badRequest("The file has \(checker.errors.count == 1 ? "a bad line" : "bad lines"); nothing was stored.")
                }
                try progress?(checker.rows, bytesRead, 0.9, "merging")
                return checker.rows
            }
        }
    }
}
