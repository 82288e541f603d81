import Synchronization
import Foundation
import HTTP
import Testing
import TestSupport

/// The citizens contract, black-box over HTTP.
@Suite struct CitizensAPITests {
    let port = TestEnvironment.port

    static let workedImport = """
        {"citizens": [
          {"citizen_id": 1, "town": "Москва", "street": "Льва Толстого", "building": "16к7стр5",
           "apartment": 7, "name": "Иванов Иван Иванович", "birth_date": "26.12.1986",
           "gender": "male", "relatives": [2]},
          {"citizen_id": 2, "town": "Москва", "street": "Льва Толстого", "building": "16к7стр5",
           "apartment": 7, "name": "Иванов Сергей Иванович", "birth_date": "17.04.1997",
           "gender": "male", "relatives": [1]},
          {"citizen_id": 3, "town": "Керчь", "street": "Иосифа Бродского", "building": "2",
           "apartment": 11, "name": "Романова Мария Леонидовна", "birth_date": "23.11.1986",
           "gender": "female", "relatives": []}
        ]}
        """

    func post(_ json: String) throws -> RawResponse {
        try httpRequest(port: port, "POST", "/imports", json: json)
    }

    func importId(_ response: RawResponse) -> Int? {
        response.dataObject?.int("import_id")
    }

    func citizens(_ id: Int) throws -> [[String: Any]] {
        let r = try httpRequest(port: port, "GET", "/imports/\(id)/citizens")
        #expect(r.status == 200, "\(r.summary)")
        return try r.requireDataArray()
    }

    func relatives(_ id: Int) throws -> [Int: [Int]] {
        var byCitizen: [Int: [Int]] = [:]
        for citizen in try citizens(id) {
            let citizenId = try #require(citizen.int("citizen_id"), "\(citizen)")
            byCitizen[citizenId] = try #require(citizen.ints("relatives"), "\(citizen)")
        }
        return byCitizen
    }

    @Test func theWorkedImportRoundTrips() throws {
        let first = try post(Self.workedImport)
        #expect(first.status == 201)
        let id = try #require(importId(first))
        #expect(id > 0)
        #expect(first.header("Location") == "/imports/\(id)/citizens")
        let second = try post(Self.workedImport)
        #expect(try #require(importId(second)) > id)

        let r = try httpRequest(port: port, "GET", "/imports/\(id)/citizens")
        #expect(r.header("Content-Type") == "application/json; charset=utf-8")
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(Self.workedImport.utf8)) as? [String: Any])
        let got = try r.require(r.object, "a JSON object")
        #expect(NSDictionary(dictionary: got).isEqual(to: ["data": expected["citizens"] as Any]), "\(r.summary)")
        // Field order is the contract's.
        #expect(r.text.hasPrefix(#"{"data":[{"citizen_id":1,"town":"Москва","street":"Льва Толстого","building":"16к7стр5","apartment":7,"name":"#))
    }

    @Test func theWorkedBirthdays() throws {
        let id = try #require(importId(try post(Self.workedImport)))
        let r = try httpRequest(port: port, "GET", "/imports/\(id)/citizens/birthdays")
        #expect(r.status == 200)
        let data = try #require((r.json as? [String: Any])?["data"] as? [String: [[String: Int]]])
        #expect(Set(data.keys) == Set((1...12).map(String.init)))
        for month in 1...12 {
            switch month {
            case 4: #expect(data["4"] == [["citizen_id": 1, "presents": 1]])
            case 12: #expect(data["12"] == [["citizen_id": 2, "presents": 1]])
            default: #expect(data[String(month)]?.isEmpty == true)
            }
        }
    }

    @Test func theWorkedPatchSequenceKeepsRelativesSymmetric() throws {
        let id = try #require(importId(try post(Self.workedImport)))
        let r = try httpRequest(port: port, "PATCH", "/imports/\(id)/citizens/3",
                                json: #"{"relatives":[1],"name":"Иванова Мария Леонидовна","town":"Москва"}"#)
        #expect(r.status == 200)
        let citizen = try #require((r.json as? [String: Any])?["data"] as? [String: Any])
        #expect(citizen["relatives"] as? [Int] == [1])
        #expect(citizen["name"] as? String == "Иванова Мария Леонидовна")
        #expect(citizen["town"] as? String == "Москва")
        #expect(citizen["street"] as? String == "Иосифа Бродского")
        #expect(try relatives(id) == [1: [2, 3], 2: [1], 3: [1]])
        #expect(try httpRequest(port: port, "PATCH", "/imports/\(id)/citizens/3", json: #"{"relatives":[]}"#).status == 200)
        #expect(try relatives(id) == [1: [2], 2: [1], 3: []])
    }

    @Test func anEmptyImportIsValid() throws {
        let r = try post(#"{"citizens": []}"#)
        #expect(r.status == 201)
        let id = try #require(importId(r))
        #expect(try citizens(id).isEmpty)
        let birthdays = try httpRequest(port: port, "GET", "/imports/\(id)/citizens/birthdays")
        #expect(birthdays.status == 200)
        #expect(try httpRequest(port: port, "GET", "/imports/\(id)/towns/stat/percentile/age").text == #"{"data":[]}"#)
    }

    @Test func unknownImportsAndCitizensAre404() throws {
        for path in ["/imports/999999999/citizens", "/imports/999999999/citizens/birthdays",
                     "/imports/999999999/towns/stat/percentile/age", "/imports/abc/citizens", "/imports/-1/citizens",
                     "/imports/99999999999999999999/citizens", "/imports/1/citizens/"] {
            #expect(try httpRequest(port: port, "GET", path).status == 404, "\(path)")
        }
        let id = try #require(importId(try post(Self.workedImport)))
        #expect(try httpRequest(port: port, "PATCH", "/imports/\(id)/citizens/42", json: #"{"name":"x"}"#).status == 404)
        #expect(try httpRequest(port: port, "PATCH", "/imports/999999999/citizens/1", json: #"{"name":"x"}"#).status == 404)
        #expect(try httpRequest(port: port, "PATCH", "/imports/\(id)/citizens/x", json: #"{"name":"x"}"#).status == 404)
    }

    @Test func patchChecksTheBodyBeforeExistenceAndRelativesAfter() throws {
        // An invalid body on a missing import: 400 first.
        #expect(try httpRequest(port: port, "PATCH", "/imports/999999999/citizens/1", json: #"{"gender":"x"}"#).status == 400)
        let id = try #require(importId(try post(Self.workedImport)))
        let unknown = try httpRequest(port: port, "PATCH", "/imports/\(id)/citizens/3", json: #"{"relatives":[1, 77],"name":"Changed"}"#)
        #expect(unknown.status == 400)
        #expect(unknown.text.contains("77"))
        // Nothing of the rejected patch was applied.
        let third = try #require(try citizens(id).first { $0.int("citizen_id") == 3 })
        #expect(third["name"] as? String == "Романова Мария Леонидовна")
        #expect(try relatives(id) == [1: [2], 2: [1], 3: []])
    }

    @Test func patchOnAFixedSegmentIs405AndHeadAndOptionsWork() throws {
        let id = try #require(importId(try post(Self.workedImport)))
        let r = try httpRequest(port: port, "PATCH", "/imports/\(id)/citizens/birthdays", json: #"{"name":"x"}"#)
        #expect(r.status == 405)
        #expect(r.header("Allow") == "GET, HEAD, OPTIONS")
        #expect(try httpRequest(port: port, "OPTIONS", "/imports").header("Allow") == "GET, HEAD, POST, OPTIONS")
        #expect(try httpRequest(port: port, "OPTIONS", "/imports/\(id)/citizens").header("Allow") == "GET, HEAD, OPTIONS")
        #expect(try httpRequest(port: port, "OPTIONS", "/imports/\(id)/citizens/1").header("Allow") == "PATCH, OPTIONS")
        #expect(try httpRequest(port: port, "OPTIONS", "/imports/\(id)/towns/stat/percentile/age").header("Allow") == "GET, HEAD, OPTIONS")
        let head = try httpRequest(port: port, "HEAD", "/imports/\(id)/citizens")
        let get = try httpRequest(port: port, "GET", "/imports/\(id)/citizens")
        #expect(head.status == 200)
        #expect(head.body.isEmpty)
        #expect(head.header("Content-Length") == get.header("Content-Length"))
        #expect(try httpRequest(port: port, "HEAD", "/imports/999999999/citizens").status == 404)
    }

    @Test func aTenThousandCitizenImportRoundTrips() throws {
        var generator = CitizenGenerator(seed: 10_000)
        let citizens = generator.citizens(count: 10_000, links: 1_000)
        let r = try httpRequest(port: port, "POST", "/imports", headers: [("Content-Type", "application/json")],
                                body: CitizenGenerator.body(citizens))
        #expect(r.status == 201)
        let id = try #require(importId(r))
        let back = try self.citizens(id)
        #expect(back.count == 10_000)
        #expect(NSArray(array: back).isEqual(to: citizens))

        // Streamed, and gzipped for a client that asks (browsers, Postman): the same bytes.
        let plain = try httpRequest(port: port, "GET", "/imports/\(id)/citizens")
        let gzipped = try httpRequest(port: port, "GET", "/imports/\(id)/citizens", headers: [("Accept-Encoding", "gzip")])
        #expect(gzipped.header("Content-Encoding") == "gzip")
        #expect(gzipped.body.count < plain.body.count / 3)
        #expect(Gzip.decompress(gzipped.body) == plain.body)
    }

    @Test func concurrentPatchesKeepRelativesSymmetric() throws {
        var generator = CitizenGenerator(seed: 7)
        let citizens = generator.citizens(count: 30, links: 20)
        let id = try #require(importId(try httpRequest(port: port, "POST", "/imports", body: CitizenGenerator.body(citizens))))
        let port = self.port
        let failures = Counter()
        let group = DispatchGroup()
        for worker in 0..<8 {
            group.enter()
            Thread {
                var random = CitizenGenerator(seed: UInt64(worker + 100))
                for _ in 0..<15 {
                    let target = random.int(1...30)
                    let set = Set((0..<random.int(0...5)).map { _ in random.int(1...30) }).sorted()
                    let body = "{\"relatives\":[\(set.map(String.init).joined(separator: ","))]}"
                    if (try? httpRequest(port: port, "PATCH", "/imports/\(id)/citizens/\(target)", json: body))?.status != 200 {
                        failures.increment()
                    }
                }
                group.leave()
            }.start()
        }
        group.wait()
        #expect(failures.value == 0)
        let graph = try relatives(id)
        for (citizen, list) in graph {
            for relative in list {
                #expect(graph[relative]?.contains(citizen) == true, "\(citizen) lists \(relative) but not back")
            }
        }
    }

    @Test(arguments: [1, 2, 3, 4, 5])
    func statisticsMatchAnIndependentComputation(seed: Int) throws {
        var generator = CitizenGenerator(seed: UInt64(seed))
        let citizens = generator.citizens(count: generator.int(1...300), links: generator.int(0...300))
        let id = try #require(importId(try httpRequest(port: port, "POST", "/imports", body: CitizenGenerator.body(citizens))))

        // Birthdays: count by brute force over pairs.
        var expected: [String: [[String: Int]]] = [:]
        // The generator's own citizens: a missing member is a generator bug, so 0 and "" stand in.
        func citizenId(_ citizen: [String: Any]) -> Int { citizen.int("citizen_id") ?? 0 }
        func birthDate(_ citizen: [String: Any]) -> [Int] {
            (citizen.string("birth_date") ?? "0.0.0").split(separator: ".").map { Int($0) ?? 0 }
        }
        let monthOf = Dictionary(uniqueKeysWithValues: citizens.map { (citizenId($0), birthDate($0)[1]) })
        for month in 1...12 {
            var entries: [[String: Int]] = []
            for citizen in citizens.sorted(by: { citizenId($0) < citizenId($1) }) {
                let presents = (citizen.ints("relatives") ?? []).filter { monthOf[$0] == month }.count
                if presents > 0 { entries.append(["citizen_id": citizenId(citizen), "presents": presents]) }
            }
            expected[String(month)] = entries
        }
        let birthdays = try httpRequest(port: port, "GET", "/imports/\(id)/citizens/birthdays")
        let served = try birthdays.require(birthdays.dataObject, "a data object")
        #expect(NSDictionary(dictionary: served).isEqual(to: expected), "\(birthdays.summary)")

        // Percentiles: numpy's linear method in floating point, rounded half away from zero.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        let today = calendar.dateComponents([.year, .month, .day], from: Date())
        let (year, month, day) = (today.year ?? 0, today.month ?? 0, today.day ?? 0)
        var agesByTown: [[UInt8]: [Double]] = [:]
        for citizen in citizens {
            let parts = birthDate(citizen)
            var age = year - parts[2]
            if (month, day) < (parts[1], parts[0]) { age -= 1 }
            agesByTown[Array((citizen.string("town") ?? "").utf8), default: []].append(Double(age))
        }
        func percentile(_ values: [Double], _ p: Double) -> Double {
            let sorted = values.sorted()
            let rank = p * Double(sorted.count - 1)
            let low = Int(rank.rounded(.down)), high = min(low + 1, sorted.count - 1)
            let value = sorted[low] + (sorted[high] - sorted[low]) * (rank - Double(low))
            return (value * 100).rounded(.toNearestOrAwayFromZero) / 100
        }
        let response = try httpRequest(port: port, "GET", "/imports/\(id)/towns/stat/percentile/age")
        let rows = try response.requireDataArray()
        let towns = agesByTown.keys.sorted { $0.lexicographicallyPrecedes($1) }
        #expect(rows.map { Array(($0.string("town") ?? "").utf8) } == towns, "\(response.summary)")
        for (row, town) in zip(rows, towns) {
            let ages = agesByTown[town] ?? []
            for (name, p) in [("p50", 0.5), ("p75", 0.75), ("p99", 0.99)] {
                let served = try response.require(row.double(name), "\(name) as a number")
                #expect(abs(served - percentile(ages, p)) < 1e-9, "\(name) of \(row)")
            }
        }
    }
}

final class Counter: Sendable {
    private let count = Atomic(0)
    var value: Int { count.load(ordering: .sequentiallyConsistent) }
    func increment() { count.add(1, ordering: .sequentiallyConsistent) }
}
