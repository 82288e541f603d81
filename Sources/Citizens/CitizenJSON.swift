import JSON

/// Citizens as JSON, fields in the contract's order.
enum CitizenJSON {
    static func write(_ citizen: Citizen, to w: inout JSONWriter) {
        w.raw("{\"citizen_id\":"); w.int(citizen.citizenId)
        w.raw(",\"town\":"); w.string(citizen.town)
        w.raw(",\"street\":"); w.string(citizen.street)
        w.raw(",\"building\":"); w.string(citizen.building)
        w.raw(",\"apartment\":"); w.int(citizen.apartment)
        w.raw(",\"name\":"); w.string(citizen.name)
        w.raw(",\"birth_date\":"); w.string(citizen.birthDate.dotted)
        w.raw(",\"gender\":"); w.string(citizen.gender)
        w.raw(",\"relatives\":[")
        for (i, relative) in citizen.relatives.enumerated() {
            if i > 0 { w.raw(",") }
            w.int(relative)
        }
        w.raw("]}")
    }

    /// One row of `CitizensRepository.selectColumns`, copied from the result's bytes.
    static func write(_ rows: CitizenRows, row: Int, to w: inout JSONWriter) {
        w.raw("{\"citizen_id\":"); rows.withBytes(row, rows.citizenId) { w.bytes.append(contentsOf: $0) }
        w.raw(",\"town\":"); rows.withBytes(row, rows.town) { w.string(utf8: $0) }
        w.raw(",\"street\":"); rows.withBytes(row, rows.street) { w.string(utf8: $0) }
        w.raw(",\"building\":"); rows.withBytes(row, rows.building) { w.string(utf8: $0) }
        w.raw(",\"apartment\":"); rows.withBytes(row, rows.apartment) { w.bytes.append(contentsOf: $0) }
        w.raw(",\"name\":"); rows.withBytes(row, rows.name) { w.string(utf8: $0) }
        w.raw(",\"birth_date\":\"")
        rows.withBytes(row, rows.birthDate) { iso in
            // YYYY-MM-DD to DD.MM.YYYY
            w.bytes.append(contentsOf: iso[8..<10]); w.bytes.append(UInt8(ascii: "."))
            w.bytes.append(contentsOf: iso[5..<7]); w.bytes.append(UInt8(ascii: "."))
            w.bytes.append(contentsOf: iso[0..<4])
        }
        w.raw("\",\"gender\":\""); rows.withBytes(row, rows.gender) { w.bytes.append(contentsOf: $0) }
        w.raw("\",\"relatives\":[")
        rows.withBytes(row, rows.relatives) { array in
            // {1,2,3} -> 1,2,3 (kept sorted on every write)
            if array.count > 2 { w.bytes.append(contentsOf: array[1..<(array.count - 1)]) }
        }
        w.raw("]}")
    }
}
