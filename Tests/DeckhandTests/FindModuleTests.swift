import Foundation
import Jinja
import OrderedCollections
import XCTest
@testable import Deckhand

/// find's probe run on this machine (find, iconv, grep -P, sha1sum), read as Ansible's find module reads a tree.
final class FindModuleTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "deckhand-find-\(UUID().uuidString)"
        for folder in ["a/b/c", "e"] {
            try FileManager.default.createDirectory(atPath: directory + "/" + folder, withIntermediateDirectories: true)
        }
        try write("log.txt", Data("this file has\na few lines\nand ends OK\n".utf8), mode: 0o644)
        try write("a/1.txt", Data("KO line\nlast\n".utf8), mode: 0o400)
        try write("a/b/2.txt", Data("x".utf8), mode: 0o666)
        try write("a/b/c/3.txt", Data("x".utf8), mode: 0o700)
        // "你好世界" in GBK: not UTF-8.
        try write("e/hello.gbk", Data([0xC4, 0xE3, 0xBA, 0xC3, 0xCA, 0xC0, 0xBD, 0xE7]), mode: 0o444)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    private func write(_ name: String, _ data: Data, mode: Int) throws {
        let path = directory + "/" + name
        try data.write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }

    private func find(_ args: KeyValuePairs<String, Any>) async throws -> ModuleResult {
        var values = OrderedDictionary<String, Value>(uniqueKeysWithValues: [("paths", Value.string(directory)), ("recurse", .bool(true))])
        for (key, value) in args { values[key] = testValue(value) }
        let module = try FindModule.make(values)
        let output = try await LocalConnection().run(try XCTUnwrap(module.probe(ModuleContext())))
        return try module.plan(output, ModuleContext()).result
    }

    private func expect(_ args: KeyValuePairs<String, Any>, _ expected: [String], _ message: String = "",
                        line: UInt = #line) async throws {
        let found = names(try await find(args))
        XCTAssertEqual(found, expected, message, line: line)
    }

    private func names(_ result: ModuleResult) -> [String] {
        guard case .list(let files)? = result["files"] else { return [] }
        return files.compactMap { file -> String? in
            guard case .dict(let entry) = file, case .string(let path)? = entry["path"] else { return nil }
            return (path as NSString).lastPathComponent
        }.sorted()
    }

    func testContainsMatchesALineStartOrTheWholeFile() async throws {
        // *.txt: the GBK file would end the walk (Python's decode error does), as the next test shows.
        try await expect(["patterns": "*.txt", "contains": "KO"], ["1.txt"], "re.match: at a line's start only")
        try await expect(["patterns": "*.txt", "contains": ".*OK$"], ["log.txt"])
        try await expect(["patterns": "*.txt", "contains": "OK$", "read_whole_file": true], ["log.txt"],
                       "$ is the end of the file (before its last line break)")
        try await expect(["patterns": "*.txt", "contains": "KO$", "read_whole_file": true], [])
        try await expect(["patterns": "*.txt", "contains": "has\na few", "read_whole_file": true], ["log.txt"])
        try await expect(["patterns": "*.txt", "contains": "has\na few"], [], "a line never holds a line break")
    }

    func testAFileThatDoesNotDecodeSkipsItsPathWithAnsiblesMessage() async throws {
        let wrong = try await find(["paths": directory + "/e", "contains": "x"])
        XCTAssertEqual(wrong.msg, "Not all paths examined, check warnings for details")
        XCTAssertEqual(wrong["skipped_paths"], .dict([directory + "/e": .string(
            "Failed to decode the file '\(directory)/e/hello.gbk' with encoding: utf-8 (Python default)")]))
        let right = try await find(["paths": directory + "/e", "contains": "你好世界", "encoding": "gbk"])
        XCTAssertEqual(names(right), ["hello.gbk"])
        let unknown = try await find(["paths": directory + "/e", "contains": "x", "encoding": "idontexist"])
        XCTAssertEqual(unknown["skipped_paths"], .dict([directory + "/e": .string("unknown encoding: idontexist")]))
    }

    func testModeExactlyOrAnyBitOctalOrSymbolic() async throws {
        try await expect(["mode": "0644"], ["log.txt"])
        try await expect(["mode": "u=rw,g=r,o=r"], ["log.txt"])
        try await expect(["mode": "0004", "exact_mode": false], ["2.txt", "hello.gbk", "log.txt"])
        try await expect(["mode": "o=r", "exact_mode": false], ["2.txt", "hello.gbk", "log.txt"])
        XCTAssertThrowsError(try FindModule.make(["paths": .string(directory), "mode": .int(420)])) { error in
            XCTAssertTrue("\(error)".contains("argument 'mode' is not a string"), "\(error)")
        }
    }

    func testDepthCountsTheEntriesOneLevelBelowAsExamined() async throws {
        let all = try await find(["file_type": "any"])
        XCTAssertEqual(all["matched"], .int(9))
        XCTAssertEqual(all["examined"], .int(9))
        let shallow = try await find(["file_type": "any", "depth": 2])
        XCTAssertEqual(names(shallow), ["1.txt", "a", "b", "e", "hello.gbk", "log.txt"])
        XCTAssertEqual(shallow["examined"], .int(8), "b's entries (depth 3) are listed, not matched")
    }

    func testChecksumsLimitAndStatKeys() async throws {
        let summed = try await find(["patterns": "log.txt", "get_checksum": true, "checksum_algorithm": "md5"])
        guard case .list(let files)? = summed["files"], case .dict(let entry)? = files.first else { return XCTFail("no match") }
        XCTAssertEqual(entry["checksum"], .string(md5(directory + "/log.txt")))
        for key in ["inode", "dev", "nlink", "blocks", "disk_usage_bytes", "rusr", "woth", "isuid", "issock"] {
            XCTAssertNotNil(entry[key], key)
        }
        let limited = try await find(["limit": 2])
        XCTAssertEqual(limited["matched"], .int(2))
        XCTAssertEqual(limited.msg, "Limit of matches reached")
        let missing = try await find(["paths": directory + "/nothing"])
        XCTAssertEqual(missing["skipped_paths"], .dict([directory + "/nothing": .string("'\(directory)/nothing' is not a directory")]))
    }

    private func md5(_ path: String) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/md5sum")
        process.arguments = [path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try? process.run()
        process.waitUntilExit()
        return String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: " ").first.map(String.init) ?? ""
    }
}
