/// Reading an unsigned LEB128 integer straight from bytes, for the places that look at
/// the binary without WasmParser: the frontend's pre-passes (section sizes, the prefixed
/// opcode canonicalizer) and the code generator's one-instruction look-ahead. Readers
/// with other rules stay with their callers: WideLimitsCheck (strict u64 validity) and
/// NameSectionReader (WasmParser's exact u32 limits).
public enum LEB128 {
    /// The value of at most `maxBytes` bytes starting at `index` and ending before
    /// `limit`, and the index after it; nil if it does not end within them. Payload bits
    /// beyond 64 are dropped.
    @inlinable public static func readUnsigned<Bytes: RandomAccessCollection>(
        _ bytes: Bytes, at index: Int, limit: Int, maxBytes: Int
    ) -> (value: UInt64, next: Int)? where Bytes.Element == UInt8, Bytes.Index == Int {
        var value: UInt64 = 0
        var i = index
        while i < limit, i - index < maxBytes {
            let byte = bytes[i]
            let shift = 7 * UInt64(i - index)
            if shift < 64 { value |= UInt64(byte & 0x7F) << shift }
            i += 1
            if byte & 0x80 == 0 { return (value, i) }
        }
        return nil
    }
}
