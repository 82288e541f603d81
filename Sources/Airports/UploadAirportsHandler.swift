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
        var csv = CSVReader()
        var csvFailure: CSVReader.Failure?
        let result = try AirportRequests.run {
            try repository.upload { writer in
                func consume(_ bytes: [UInt8]) throws {
                    guard csvFailure == nil else { return }
                    do {
                        try bytes.withUnsafeBufferPointer { buffer in
                            try csv.feed(buffer) { record in
                                try writer.append { checker.check(record, into: &$0) }
                            }
                        }
                    } catch let failure as CSVReader.Failure {
                        csvFailure = failure
                    }
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
                if csvFailure == nil {
                    do {
                        try csv.finish { record in try writer.append { checker.check(record, into: &$0) } }
                    } catch let failure as CSVReader.Failure {
                        csvFailure = failure
                    }
                }
                if let csvFailure {
                    checker.fail(line: csvFailure.line, column: AirportColumn(rawValue: csvFailure.column - 1)?.csvName ?? "-",
                                 csvFailure.message)
                }
                if checker.rows == 0 && checker.errors.isEmpty && !checker.sawHeader {
                    throw HTTPError.badRequest("The file is empty; it needs at least the header line.")
                }
                guard checker.errors.isEmpty else {
                    throw HTTPError.badRequest("The file has \(checker.errors.count == 1 ? "a bad line" : "bad lines"); nothing was stored.",
                                               errors: checker.errors)
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
