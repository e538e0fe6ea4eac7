import Foundation
import Jinja
import XCTest
@testable import Deckhand

/// lineinfile, blockinfile and replace on a file in another encoding than UTF-8 (their `encoding`): the file is
/// read and written in it, byte for byte as Ansible's modules (Python's codecs) write it.
final class TextEncodingTests: XCTestCase {
    private func hex(_ data: Data) -> String { data.map { String(format: "%02x", $0) }.joined() }

    private func bytes(_ hex: String) -> Data {
        Data(stride(from: 0, to: hex.count, by: 2).map { offset in
            let start = hex.index(hex.startIndex, offsetBy: offset)
            return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16)!
        })
    }

    /// The probe output of an existing file holding `content`.
    private func fileProbe(_ content: Data) -> CommandResult {
        CommandResult(exitStatus: 0, exitSignal: nil,
                      stdout: Data("kind file\nstat 644 0 0 root root\n@@deckhand-content@@\n".utf8) + content, stderr: Data())
    }

    private func written(_ plan: ModulePlan) -> Data? {
        for action in plan.actions { if case .put(let write) = action.kind { return write.data } }
        return nil
    }

    func testPythonCodecNamesAndTheirBytes() throws {
        // Python: 'Grüße'.encode('utf-16') / ('latin-1') / ('cp273').
        XCTAssertEqual(hex(try TextEncoding("utf-16").encode("Grüße\n")), "fffe47007200fc00df0065000a00")
        XCTAssertEqual(hex(try TextEncoding("latin-1").encode("Grüße")), "4772fcdf65")
        XCTAssertEqual(hex(try TextEncoding("ISO_8859-1").encode("Grüße")), "4772fcdf65")
        XCTAssertEqual(hex(try TextEncoding("cp273").encode("Grüße")), "c799d0a185")
        XCTAssertEqual(try TextEncoding("cp273").decode(bytes("c799d0a185")), "Grüße")
        XCTAssertEqual(try TextEncoding("windows-1252").decode(bytes("80")), "€")
        // As Python's utf-16: the byte order mark is read, and without one the bytes are little-endian.
        XCTAssertEqual(try TextEncoding("utf-16").decode(bytes("fffe6100")), "a")
        XCTAssertEqual(try TextEncoding("utf-16").decode(bytes("6100")), "a")
        XCTAssertEqual(try TextEncoding("utf-8-sig").decode(bytes("efbbbf61")), "a")
        XCTAssertEqual(hex(try TextEncoding("utf_8_sig").encode("a")), "efbbbf61")
        XCTAssertThrowsError(try TextEncoding("no-such-codec")) { error in
            XCTAssertEqual("\(error)", "unknown encoding: no-such-codec")
        }
        XCTAssertThrowsError(try TextEncoding("latin-1").encode("€")) { error in
            XCTAssertTrue("\(error)".hasPrefix("'latin-1' codec can't encode character '€'"), "\(error)")
        }
        XCTAssertThrowsError(try TextEncoding("utf-16").decode(bytes("fffe61"))) { error in
            XCTAssertTrue("\(error)".hasPrefix("'utf-16' codec can't decode byte"), "\(error)")
        }
    }

    func testLineinfileCreatesACp273FileWithAnsiblesBytesAndReplaceEditsItInPlace() throws {
        let create = try makeModule(LineInFileModule.self, ["path": "/srv/enc.txt", "create": true,
                                                             "line": "Test line encoded in cp273", "encoding": "cp273"])
        let absent = recordedOutput("kind absent\n")
        let created = try XCTUnwrap(written(try create.plan(absent, ModuleContext())))
        // The checksum Ansible's lineinfile target expects of this file.
        XCTAssertEqual(ContentDigest.sha1(created), "e0bf2bdca94727d03483a9adab66543bcec4b99a")
        XCTAssertFalse(try create.plan(fileProbe(created), ModuleContext()).result.changed, "the line is read back in cp273")

        let replace = try makeModule(ReplaceModule.self, ["path": "/srv/enc.txt", "after": "Test", "before": "encoded",
                                                          "regexp": "e", "replace": "3", "encoding": "cp273"])
        let plan = try replace.plan(fileProbe(created), ModuleContext())
        XCTAssertEqual(plan.result.msg, "1 replacements made")
        let edited = try XCTUnwrap(written(plan))
        XCTAssertEqual(ContentDigest.sha1(edited), "485e97f6e38e50680228b8d49e1eb23160f19fdc")
        XCTAssertFalse(try replace.plan(fileProbe(edited), ModuleContext()).result.changed)
    }

    func testBlockinfileKeepsAUtf16FileUtf16AndItsDiffReadable() throws {
        let block = try makeModule(BlockInFileModule.self, ["path": "/srv/u16.txt", "block": "x", "encoding": "utf-16"])
        let plan = try block.plan(fileProbe(Data()), ModuleContext(diffMode: true))
        let data = try XCTUnwrap(written(plan))
        // Python: '# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n'.encode('utf-16')
        XCTAssertEqual(hex(data), "fffe2300200042004500470049004e00200041004e005300490042004c00450020004d0041004e004100470045004400"
            + "200042004c004f0043004b000a0078000a002300200045004e004400200041004e005300490042004c00450020004d0041004e0041"
            + "00470045004400200042004c004f0043004b000a00")
        XCTAssertEqual(plan.result.diffs.first?.after, "# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n")
        XCTAssertFalse(try block.plan(fileProbe(data), ModuleContext()).result.changed)
    }
}
