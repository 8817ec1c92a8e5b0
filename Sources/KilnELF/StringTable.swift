/// The bytes of an ELF string table (`.dynstr`, `.strtab`, `.shstrtab`): NUL-terminated
/// names after a leading NUL, so offset 0 is the empty name. Identical names share one
/// copy. Names are compared as bytes, not as Swift `String`s, because `String` equality
/// is Unicode canonical equivalence and two distinct byte sequences must keep two names.
struct StringTable {
    private(set) var bytes: [UInt8] = [0]
    private var offsets: [[UInt8]: UInt32] = [[]: 0]

    /// The offset of `name` in the table, adding it if it is new. The caller has checked
    /// that `name` contains no NUL byte.
    mutating func add(_ name: [UInt8]) -> UInt32 {
        if let offset = offsets[name] { return offset }
        let offset = UInt32(bytes.count)
        bytes.append(contentsOf: name)
        bytes.append(0)
        offsets[name] = offset
        return offset
    }

    mutating func add(_ name: String) -> UInt32 { add(Array(name.utf8)) }
}
