import Crypto
import Foundation

/// Ansible's `random` filter (`59 | random(seed=inventory_hostname)`): a number below the input (from `start`, by
/// `step`) or an item of a list. With a seed it draws as Python's random.Random(seed) does, so a seeded value
/// (a cron minute per host) is the one Ansible picks.
enum RandomFilter {
    @Sendable static func random(_ value: Value, _ args: FilterArguments) throws -> Value {
        try args.allowKeywords(["start", "step", "seed"])
        let start = args.value(0, "start").flatMap { $0.isNoneValue ? nil : $0 }
        let step = args.value(1, "step").flatMap { $0.isNoneValue ? nil : $0 }
        var generator = try args.value(2, "seed").flatMap { $0.isNoneValue ? nil : $0 }.map(PythonRandom.init(seed:))
            ?? PythonRandom(seed: .int(Int.random(in: Int.min...Int.max)))
        switch value {
        case .int(let end):
            // As Ansible: a start or step of 0 (or none) is 0 and 1; then Python's randrange.
            let from = try start.map(intArgument) ?? 0, by = try step.map(intArgument) ?? 1
            let stride = by == 0 ? 1 : by
            let width = end - from
            let count = stride == 1 ? width : floorDivide(width + stride + (stride > 0 ? -1 : 1), stride)
            guard count > 0 else {
                throw TemplateError.filterError("empty range in randrange(\(from), \(end)\(stride == 1 ? "" : ", \(stride)"))")
            }
            return .int(from + stride * generator.below(count))
        case .list(let items), .tuple(let items):
            guard start == nil, step == nil else { throw TemplateError.filterError("start and step can only be used with integer values") }
            guard !items.isEmpty else { throw TemplateError.filterError("Cannot choose from an empty sequence") }
            return items[generator.below(items.count)]
        case .string(let text):
            guard start == nil, step == nil else { throw TemplateError.filterError("start and step can only be used with integer values") }
            let characters = Array(text)
            guard !characters.isEmpty else { throw TemplateError.filterError("Cannot choose from an empty sequence") }
            return .string(String(characters[generator.below(characters.count)]))
        default:
            throw TemplateError.filterError("random can only be used on sequences and integers")
        }
    }

    private static func floorDivide(_ a: Int, _ b: Int) -> Int {
        let quotient = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient
    }

    private static func intArgument(_ value: Value) throws -> Int {
        if case .int(let number) = value { return number }
        throw TemplateError.typeError("'\(value.pythonTypeName)' object cannot be interpreted as an integer")
    }
}

/// CPython's random.Random: the Mersenne Twister seeded as `Random(seed)` seeds it (a str through SHA-512,
/// an int by its absolute value), with its getrandbits and _randbelow.
struct PythonRandom {
    private var state = [UInt32](repeating: 0, count: 624)
    private var index = 624

    init(seed: Value) {
        var bytes: [UInt8]
        switch seed {
        case .int(let number):
            var magnitude = number.magnitude
            bytes = []
            while magnitude > 0 { bytes.insert(UInt8(magnitude & 0xFF), at: 0); magnitude >>= 8 }
        case .bool(let flag):
            bytes = flag ? [1] : []
        default:
            let text = Array(seed.pythonStr.utf8)
            bytes = text + Array(SHA512.hash(data: Data(text)))
        }
        while bytes.first == 0 { bytes.removeFirst() }
        // The integer's 32-bit words, least significant first.
        var key: [UInt32] = []
        var end = bytes.count
        while end > 0 {
            let begin = max(0, end - 4)
            key.append(bytes[begin..<end].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            end = begin
        }
        if key.isEmpty { key = [0] }
        seedByArray(key)
    }

    private mutating func seedGenerator(_ seed: UInt32) {
        state[0] = seed
        for i in 1..<624 {
            state[i] = 1_812_433_253 &* (state[i - 1] ^ (state[i - 1] >> 30)) &+ UInt32(i)
        }
        index = 624
    }

    private mutating func seedByArray(_ key: [UInt32]) {
        seedGenerator(19_650_218)
        var i = 1, j = 0
        for _ in 0..<max(624, key.count) {
            state[i] = (state[i] ^ ((state[i - 1] ^ (state[i - 1] >> 30)) &* 1_664_525)) &+ key[j] &+ UInt32(j)
            i += 1; j += 1
            if i >= 624 { state[0] = state[623]; i = 1 }
            if j >= key.count { j = 0 }
        }
        for _ in 0..<623 {
            state[i] = (state[i] ^ ((state[i - 1] ^ (state[i - 1] >> 30)) &* 1_566_083_941)) &- UInt32(i)
            i += 1
            if i >= 624 { state[0] = state[623]; i = 1 }
        }
        state[0] = 0x8000_0000
    }

    private mutating func next32() -> UInt32 {
        if index >= 624 {
            for k in 0..<624 {
                let y = (state[k] & 0x8000_0000) | (state[(k + 1) % 624] & 0x7FFF_FFFF)
                state[k] = state[(k + 397) % 624] ^ (y >> 1) ^ (y & 1 == 0 ? 0 : 0x9908_B0DF)
            }
            index = 0
        }
        var y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    /// getrandbits(k) for k up to 64: 32-bit words, least significant first, the last one cut to size.
    private mutating func bits(_ k: Int) -> UInt64 {
        if k <= 32 { return UInt64(next32() >> (32 - k)) }
        let low = UInt64(next32())
        let high = UInt64(next32() >> (64 - k))
        return high << 32 | low
    }

    /// _randbelow(n): a number in [0, n), drawing bit_length(n) bits until one is below n.
    mutating func below(_ n: Int) -> Int {
        let k = Int.bitWidth - n.leadingZeroBitCount
        var r = bits(k)
        while r >= UInt64(n) { r = bits(k) }
        return Int(r)
    }
}
