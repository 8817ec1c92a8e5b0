import KilnABI
import KilnFrontend

/// Lays the active data segments of a module-defined memory out as a page-aligned image
/// that instances map copy-on-write, instead of copying the segments at instantiation.
///
/// The image is used only when every active segment has a constant offset and fits in
/// the memory's initial size: then instantiation cannot fail on a segment, and applying
/// the segments in order equals mapping their final overlay. Otherwise every segment
/// stays in the metadata and the runtime applies them in order (trapping on the first
/// one out of bounds, as the spec requires).
enum MemoryImageBuilder {
    /// Larger spans are left to be copied at instantiation.
    static let maximumImageSize: UInt64 = 64 << 20

    /// Returns the image bytes (empty when there is none) and marks the segments it holds.
    /// The image starts and ends on `pageSize` (the target's ``TargetISA/artifactPageSize``)
    /// in the file and in linear memory, so a host with such pages maps it.
    static func build(module: WasmModule, metadata: inout ArtifactMetadata, pageSize: Int) -> [UInt8] {
        let pageSize = UInt64(pageSize)
        guard let memory = metadata.memory else { return [] }
        let memoryBytes = memory.minimum * UInt64(WasmPage.size)
        var spans: [(index: Int, start: UInt64, bytes: [UInt8])] = []
        for (i, segment) in metadata.dataSegments.enumerated() {
            guard let offset = segment.offset else { continue }
            guard offset.ops.count == 1, case .i32Const(let v) = offset.ops[0] else { return [] }
            let start = UInt64(UInt32(bitPattern: v))
            guard start + UInt64(segment.bytes.count) <= memoryBytes else { return [] }
            if !segment.bytes.isEmpty { spans.append((i, start, segment.bytes)) }
        }
        guard let low = spans.map(\.start).min(),
            let high = spans.map({ $0.start + UInt64($0.bytes.count) }).max()
        else {
            // Nothing to lay out, but every segment is known to fit: they are trivially done.
            for i in metadata.dataSegments.indices where metadata.dataSegments[i].offset != nil {
                metadata.dataSegments[i].isInImage = true
            }
            return []
        }
        let imageStart = low / pageSize * pageSize
        let imageEnd = (high + pageSize - 1) / pageSize * pageSize
        guard imageEnd - imageStart <= maximumImageSize else { return [] }
        var image = [UInt8](repeating: 0, count: Int(imageEnd - imageStart))
        for span in spans {
            let at = Int(span.start - imageStart)
            image.replaceSubrange(at..<at + span.bytes.count, with: span.bytes)
        }
        for i in metadata.dataSegments.indices where metadata.dataSegments[i].offset != nil {
            metadata.dataSegments[i].isInImage = true
            metadata.dataSegments[i].bytes = []
        }
        metadata.memoryImage = MemoryImageEntry(memoryOffset: imageStart, length: UInt64(image.count))
        return image
    }
}
