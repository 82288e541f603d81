/// The first line of an uploaded file, looked at before the CSV reader sees it, for the ways a
/// spreadsheet saves a file that is not the comma-separated UTF-8 the upload reads. A UTF-8
/// byte-order mark (Excel's "CSV UTF-8") is dropped. UTF-16 (a byte-order mark FF FE or FE FF, or
/// NUL bytes in the first line), semicolons as the separator and JSON are refused with what to do,
/// where the reader would report only a wrong header or broken quoting.
struct CSVFileStart {
    struct Failure: Error {
        let message: String
    }

    /// The first line is held back until its end is seen, or this many bytes of it.
    static let maxHeld = 4096
    private static let utf8Mark: [UInt8] = [0xEF, 0xBB, 0xBF]

    private var held: [UInt8] = []
    private var passing = false

    /// Passes `bytes` on to `output`, the first line once it is complete and checked.
    mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>, _ output: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        if passing { return try output(bytes) }
        held.append(contentsOf: bytes)
        if held.count >= CSVFileStart.maxHeld || held.contains(0x0A) { try release(output) }
    }

    /// The end of the file: a first line without a line break is checked and passed on now.
    mutating func finish(_ output: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        if !passing { try release(output) }
    }

    private mutating func release(_ output: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        passing = true
        let start = held.starts(with: CSVFileStart.utf8Mark) ? CSVFileStart.utf8Mark.count : 0
        let firstLine = held[start..<(held.firstIndex(of: 0x0A) ?? held.count)]
        if held.starts(with: [0xFF, 0xFE]) || held.starts(with: [0xFE, 0xFF]) || firstLine.contains(0) {
            throw Failure(message: "the file is UTF-16 text; it must be UTF-8: save it again as CSV UTF-8 (in Excel: Save As, CSV UTF-8 (Comma delimited))")
        }
        if let first = firstLine.first(where: { ![0x20, 0x09, 0x0D].contains($0) }), first == UInt8(ascii: "{") || first == UInt8(ascii: "[") {
            throw Failure(message: "the file looks like JSON, not CSV: its first line must be the header \(AirportRowChecker.header). \(UploadAirportsHandler.whereJSONGoes)")
        }
        if firstLine.contains(UInt8(ascii: ";")) && !firstLine.contains(UInt8(ascii: ",")) {
            throw Failure(message: "the separator must be a comma, and this file separates its columns with semicolons: export it again with commas (Excel uses the system's list separator)")
        }
        try held[start...].withUnsafeBufferPointer { try output($0) }
        held = []
    }
}
