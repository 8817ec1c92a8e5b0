/// Reads the function names of a name section: the same names, and the same "ignore the
/// whole section" outcome for anything malformed, as WasmParser's `NameSectionParser`
/// followed by taking the last function subsection, at a fraction of its cost (it spent
/// about 10,000 instructions per name in unspecialized generic code, 2% of compiling a
/// large module). <https://webassembly.github.io/spec/core/appendix/custom.html#name-section>
///
/// What "the same" means, following WasmParser: every subsection with a known id (0-9)
/// is parsed in full and must be well formed (LEB128 integers, UTF-8 names) even though
/// only function names are kept; its declared size is read but not checked against its
/// contents; a subsection with an unknown id is skipped by its size; a repeated function
/// index keeps its last name.
struct NameSectionReader {
    private let bytes: ArraySlice<UInt8>
    private var position: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.position = bytes.startIndex
    }

    /// The function names, or nil if the section is malformed anywhere.
    mutating func functionNames() -> [UInt32: String]? {
        var functions: [UInt32: String] = [:]
        while position < bytes.endIndex {
            guard let id = byte(), let size = u32() else { return nil }
            switch id {
            case 0:
                guard name() != nil else { return nil }
            case 1:
                guard let map = nameMap() else { return nil }
                functions = map
            case 2, 3:
                guard let count = u32() else { return nil }
                for _ in 0..<count {
                    guard u32() != nil, nameMap() != nil else { return nil }
                }
            case 4...9:
                guard nameMap() != nil else { return nil }
            default:
                guard Int(size) <= bytes.endIndex - position else { return nil }
                position += Int(size)
            }
        }
        return functions
    }

    private mutating func byte() -> UInt8? {
        guard position < bytes.endIndex else { return nil }
        defer { position += 1 }
        return bytes[position]
    }

    /// An unsigned LEB128 `u32`, with WasmParser's limits (at most 5 bytes, no bits
    /// above 32).
    private mutating func u32() -> UInt32? {
        guard let first = byte() else { return nil }
        var result = UInt32(first & 0x7F)
        guard first & 0x80 != 0 else { return result }
        var shift: UInt32 = 7
        while true {
            guard let next = byte() else { return nil }
            if shift + 7 >= 32, next >> (32 - shift) != 0 { return nil }
            result |= UInt32(next & 0x7F) << shift
            shift += 7
            if next & 0x80 == 0 { return result }
        }
    }

    /// A name: a `u32` length and that many bytes of valid UTF-8.
    private mutating func name() -> String? {
        guard let length = u32(), Int(length) <= bytes.endIndex - position else { return nil }
        let start = position
        position += Int(length)
        return String(validating: bytes[start..<position], as: UTF8.self)
    }

    /// A vector of (index, name) pairs; a repeated index keeps its last name.
    private mutating func nameMap() -> [UInt32: String]? {
        guard let count = u32() else { return nil }
        var map: [UInt32: String] = [:]
        for _ in 0..<count {
            guard let index = u32(), let name = name() else { return nil }
            map[index] = name
        }
        return map
    }
}
