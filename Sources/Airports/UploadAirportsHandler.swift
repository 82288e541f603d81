import Events
import HTTP
import JSON

/// `POST /upload` and `POST /airports/upload`: the OpenFlights CSV as `text/csv` or as the
/// `file` field of `multipart/form-data`, streamed from the socket through the CSV reader into
/// COPY, then upserted by id. All or nothing.
public struct UploadAirportsHandler: Sendable {
    let repository: AirportsRepository

    public init(repository: AirportsRepository) {
        self.repository = repository
    }

    public func handle(_ request: Request) throws -> Response {
        let contentType = request.headers["Content-Type"] ?? "text/csv"
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: " \t").lowercased() } ?? ""
        var multipart: MultipartReader?
        if mediaType == "multipart/form-data" {
            guard let reader = MultipartReader(contentType: contentType, fieldName: "file") else {
                throw HTTPError.badRequest("multipart/form-data needs a boundary parameter.")
            }
            multipart = reader
        } else if !["text/csv", "text/plain", "application/csv", "application/octet-stream"].contains(mediaType) {
            throw HTTPError(415, "Upload the CSV as text/csv or as the field file of multipart/form-data.")
        }

        var checker = AirportRowChecker()
        var start = CSVFileStart()
        var csv = CSVReader()
        // The first failure of the file's text (encoding, separator, quoting) ends the reading: what
        // follows cannot be split into fields reliably. The rest of the body is still drained.
        var textFailure: (line: Int, column: String, message: String)?
        let result = try AirportRequests.run {
            try repository.upload(actor: EventActor(request.caller)) { writer in
                func read(_ step: () throws -> Void) throws {
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
                    try read { try bytes.withUnsafeBufferPointer { try start.feed($0, toRows) } }
                }
                while let chunk = try request.body.read() {
                    if multipart != nil {
                        try multipart!.feed(chunk, output: consume)
                    } else {
                        try consume(chunk)
                    }
                }
                if let multipart {
                    try multipart.finish()
                    guard multipart.foundField else { throw HTTPError.badRequest("The multipart body has no field named file.") }
                }
                try read {
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
                return checker.rows
            }
        }
        var w = JSONWriter(capacity: 96)
        w.raw("{\"data\":{\"rows\":"); w.int(result.rows)
        w.raw(",\"inserted\":"); w.int(result.inserted)
        w.raw(",\"updated\":"); w.int(result.updated)
        w.raw("}}")
        return .json(200, w.bytes)
    }
}
