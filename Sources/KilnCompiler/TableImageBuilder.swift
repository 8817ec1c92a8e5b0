import KilnABI
import KilnFrontend

/// Lays out each defined funcref table's active element segments as an on-disk image:
/// `u64` slots, 0 = null, `k + 1` = the lazy funcref of defined function `k`
/// (docs/tables.md). The runtime relocates it once per module; with the `image` strategy
/// instances map it copy-on-write, with `checked` it is the lookup the slow path uses.
///
/// A table gets an image only when every active segment targeting it has a constant
/// offset, fits in the table's minimum size and names only null or functions this
/// module defines: then applying the segments in order equals the image, and
/// instantiation cannot fail on them. Otherwise its segments are applied at
/// instantiation, in order.
enum TableImageBuilder {
    /// Per defined table: its image bytes, or nil. Marks the segments the images hold.
    static func build(module: WasmModule, metadata: inout ArtifactMetadata) -> [[UInt8]?] {
        guard metadata.tableInit != .eager else { return metadata.tables.map { _ in nil } }
        let importedTables = metadata.importedTableCount
        let importedFunctions = UInt32(metadata.importedFunctionCount)
        var images: [[UInt8]?] = []
        for (defined, table) in metadata.tables.enumerated() {
            let tableIndex = UInt32(importedTables + defined)
            guard table.type.element == .funcref, table.initializer == nil else {
                images.append(nil)
                continue
            }
            let size = table.type.limits.minimum
            var slots = [UInt64](repeating: 0, count: Int(min(size, 1 << 24)))
            var usable = size <= 1 << 24
            var covered: [Int] = []
            for (i, segment) in metadata.elementSegments.enumerated() where usable {
                guard case .active(let target, let offset) = segment.mode, target == tableIndex else { continue }
                guard offset.ops.count == 1, case .i32Const(let start) = offset.ops[0] else {
                    usable = false
                    break
                }
                let first = UInt64(UInt32(bitPattern: start))
                guard first + UInt64(segment.items.count) <= size else {
                    usable = false
                    break
                }
                for (j, item) in segment.items.enumerated() {
                    switch item.ops.first {
                    case .refNull where item.ops.count == 1:
                        slots[Int(first) + j] = 0
                    case .refFunc(let f) where item.ops.count == 1 && f >= importedFunctions:
                        slots[Int(first) + j] = UInt64(f - importedFunctions) + 1
                    default:
                        usable = false
                    }
                }
                covered.append(i)
            }
            guard usable else {
                images.append(nil)
                continue
            }
            for i in covered { metadata.elementSegments[i].isInImage = true }
            metadata.tables[defined].hasImage = true
            var bytes: [UInt8] = []
            bytes.reserveCapacity(slots.count * 8)
            for s in slots {
                for b in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: s >> (8 * UInt64(b)))) }
            }
            images.append(bytes)
        }
        return images
    }

    /// The on-disk lazy funcrefs: one `VMFuncRef` per defined function with the lazy
    /// trampoline's `.text` offset as code, the type index as type id, no vmctx, the
    /// function index (`u32`) and a zero lazy-context offset (`u32`, the loader's).
    static func lazyFuncRefs(metadata: ArtifactMetadata) -> [UInt8] {
        guard metadata.lazyTrampoline != ArtifactMetadata.noCode else { return [] }
        var w = ByteWriter()
        let imported = UInt32(metadata.importedFunctionCount)
        for (i, f) in metadata.functions.enumerated() {
            w.u64(UInt64(metadata.lazyTrampoline))
            w.u64(UInt64(f.typeIndex))
            w.u64(0)
            w.u32(imported + UInt32(i))
            w.u32(0)
        }
        return w.bytes
    }
}
