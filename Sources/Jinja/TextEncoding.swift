import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A character encoding, named as Python names its codecs (the `encoding` argument of lineinfile, blockinfile,
/// replace, template's output_encoding, b64decode: utf-8, utf-16, latin-1, cp1252, cp273, ...). Bytes are
/// converted on the controller with the C library's iconv, so an edited file still goes to the host in one
/// atomic write.
public struct TextEncoding: Sendable, Equatable {
    /// The name as the task gave it (for messages, as Python's codec errors name it).
    public let name: String
    /// iconv's name for the encoding.
    public let iconvName: String
    /// Python's utf-16 and utf-32 read a file without a byte order mark in the machine's order (little-endian
    /// here); iconv would read it big-endian.
    private let bareFormName: String?
    /// utf-8-sig: a byte order mark is skipped when read and written first.
    private let byteOrderMark: Bool

    public static let utf8 = TextEncoding(name: "utf-8", iconvName: "UTF-8", bareFormName: nil, byteOrderMark: false)

    private init(name: String, iconvName: String, bareFormName: String?, byteOrderMark: Bool) {
        self.name = name
        self.iconvName = iconvName
        self.bareFormName = bareFormName
        self.byteOrderMark = byteOrderMark
    }

    /// The encoding Python calls `name`; fails as Python's codecs.lookup does for a name it does not know.
    public init(_ name: String) throws {
        let key = TextEncoding.normalized(name)
        var iconvName = TextEncoding.iconvNames[key] ?? key.uppercased().replacingOccurrences(of: "_", with: "-")
        for (prefix, iconvPrefix) in [("iso8859_", "ISO-8859-"), ("iso_8859_", "ISO-8859-"), ("windows_", "CP"), ("ibm", "CP")]
            where key.hasPrefix(prefix) && Int(key.dropFirst(prefix.count)) != nil {
            iconvName = iconvPrefix + key.dropFirst(prefix.count)
        }
        self.init(name: name, iconvName: iconvName,
                  bareFormName: ["UTF-16": "UTF-16LE", "UTF-32": "UTF-32LE"][iconvName], byteOrderMark: key == "utf_8_sig")
        let probe = iconv_open("UTF-8", iconvName)
        guard probe != iconv_t(bitPattern: -1) else { throw TextEncodingError("unknown encoding: \(name)") }
        iconv_close(probe)
    }

    /// Python's normalize_encoding plus lower case: "UTF-8" and "utf_8" are one codec.
    static func normalized(_ name: String) -> String {
        var key = ""
        for character in name.lowercased() {
            if character.isASCII && (character.isLetter || character.isNumber || character == ".") {
                key.append(character)
            } else if !key.isEmpty && !key.hasSuffix("_") {
                key.append("_")
            }
        }
        while key.hasSuffix("_") { key.removeLast() }
        return key
    }

    /// Python's aliases whose iconv name differs from the alias in upper case.
    private static let iconvNames: [String: String] = [
        "utf_8": "UTF-8", "utf8": "UTF-8", "u8": "UTF-8", "utf": "UTF-8", "cp65001": "UTF-8", "utf_8_sig": "UTF-8",
        "utf_16": "UTF-16", "utf16": "UTF-16", "u16": "UTF-16", "utf_16_le": "UTF-16LE", "utf_16le": "UTF-16LE",
        "utf_16_be": "UTF-16BE", "utf_16be": "UTF-16BE",
        "utf_32": "UTF-32", "utf32": "UTF-32", "u32": "UTF-32", "utf_32_le": "UTF-32LE", "utf_32le": "UTF-32LE",
        "utf_32_be": "UTF-32BE", "utf_32be": "UTF-32BE",
        "latin_1": "ISO-8859-1", "latin1": "ISO-8859-1", "latin": "ISO-8859-1", "l1": "ISO-8859-1",
        "iso_8859_1": "ISO-8859-1", "iso8859_1": "ISO-8859-1", "8859": "ISO-8859-1", "cp819": "ISO-8859-1",
        "ascii": "ASCII", "us_ascii": "ASCII", "646": "ASCII", "us": "ASCII",
        "mac_roman": "MACINTOSH", "macroman": "MACINTOSH", "koi8_r": "KOI8-R", "koi8_u": "KOI8-U",
        "shift_jis": "SHIFT_JIS", "sjis": "SHIFT_JIS", "euc_jp": "EUC-JP", "gb2312": "GB2312", "big5": "BIG5",
    ]

    /// The file's text; fails where the bytes are not valid in this encoding, as Python's strict decoding.
    public func decode(_ data: Data) throws -> String {
        if iconvName == "UTF-8" && !byteOrderMark { return String(decoding: data, as: UTF8.self) }
        var source = iconvName
        if let bareFormName, !TextEncoding.startsWithByteOrderMark(data) { source = bareFormName }
        var bytes = try TextEncoding.convert(data, from: source, to: "UTF-8", encoding: name, decoding: true)
        if byteOrderMark && bytes.starts(with: TextEncoding.utf8ByteOrderMark) {
            bytes.removeFirst(TextEncoding.utf8ByteOrderMark.count)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The text's bytes in this encoding; fails on a character the encoding has no code for.
    public func encode(_ text: String) throws -> Data {
        if iconvName == "UTF-8" { return (byteOrderMark ? Data(TextEncoding.utf8ByteOrderMark) : Data()) + Data(text.utf8) }
        return try TextEncoding.convert(Data(text.utf8), from: "UTF-8", to: iconvName, encoding: name, decoding: false)
    }

    private static let utf8ByteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    private static func startsWithByteOrderMark(_ data: Data) -> Bool {
        data.starts(with: [0xFF, 0xFE]) || data.starts(with: [0xFE, 0xFF]) || data.starts(with: [0, 0, 0xFE, 0xFF])
    }

    /// iconv over the whole input; an invalid or incomplete sequence fails with Python's wording.
    private static func convert(_ input: Data, from: String, to: String, encoding: String, decoding: Bool) throws -> Data {
        if input.isEmpty { return Data() }
        guard let handle = iconv_open(to, from), handle != iconv_t(bitPattern: -1) else {
            throw TextEncodingError("unknown encoding: \(encoding)")
        }
        defer { iconv_close(handle) }
        var bytes = [CChar](repeating: 0, count: input.count)
        input.withUnsafeBytes { raw in bytes.withUnsafeMutableBytes { $0.copyMemory(from: raw) } }
        var output = Data()
        var chunk = [CChar](repeating: 0, count: max(4096, input.count * 4))
        try bytes.withUnsafeMutableBufferPointer { inBuffer in
            var inPointer = inBuffer.baseAddress
            var inLeft = inBuffer.count
            while true {
                let (status, failure, written) = chunk.withUnsafeMutableBufferPointer { outBuffer -> (Int, Int32, Int) in
                    var outPointer = outBuffer.baseAddress
                    var outLeft = outBuffer.count
                    // With the input used up, one more call writes what a stateful encoding still owes.
                    let status = inLeft > 0 ? iconv(handle, &inPointer, &inLeft, &outPointer, &outLeft)
                        : iconv(handle, nil, nil, &outPointer, &outLeft)
                    return (status, errno, outBuffer.count - outLeft)
                }
                output.append(contentsOf: chunk[..<written].map { UInt8(bitPattern: $0) })
                if status != -1 {
                    if inLeft == 0 && written == 0 { return }
                    if inLeft == 0 { continue }
                }
                if status == -1 && failure == E2BIG { continue }
                if status == -1 {
                    let position = inBuffer.count - inLeft
                    if decoding {
                        let byte = String(format: "0x%02x", UInt8(bitPattern: inBuffer[position]))
                        throw TextEncodingError("'\(encoding)' codec can't decode byte \(byte) in position \(position): "
                            + (failure == EINVAL ? "truncated data" : "invalid data"))
                    }
                    let character = String(decoding: Data(input[position...].prefix(4)), as: UTF8.self).prefix(1)
                    throw TextEncodingError("'\(encoding)' codec can't encode character '\(character)': "
                        + "the encoding has no code for it")
                }
            }
        }
        return output
    }
}

/// An unknown codec, or bytes or characters a codec cannot convert, worded as Python's codec errors.
public struct TextEncodingError: Error, CustomStringConvertible, Sendable {
    public let message: String

    init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
