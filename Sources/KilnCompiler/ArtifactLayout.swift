import KilnABI
import KilnCodegen
import KilnELF
import KilnFrontend

/// Decides what goes into which ELF section and which symbols name it: the one place
/// that maps Kiln's artifact format (docs/artifact-format.md) onto the ELF writer.
enum ArtifactLayout {
    static func elfImage(
        module: WasmModule, code: CompiledCode, metadata: ArtifactMetadata, memoryImage: [UInt8],
        tableImages: [[UInt8]?], options: CompileOptions
    ) -> ELFImage {
        let metadataBytes = metadata.encode()
        let pageSize = options.effectivePageSize
        var sections = [
            ELFSection(name: SectionName.metadata, bytes: metadataBytes, alignment: 16),
            ELFSection(name: SectionName.memoryImage, bytes: memoryImage, alignment: pageSize),
        ]
        let lazyFuncRefs = TableImageBuilder.lazyFuncRefs(metadata: metadata)
        if !lazyFuncRefs.isEmpty {
            sections.append(ELFSection(name: SectionName.lazyFuncRefs, bytes: lazyFuncRefs, alignment: 16))
        }
        for (i, image) in tableImages.enumerated() {
            guard let image else { continue }
            sections.append(ELFSection(name: SectionName.tableImage(i), bytes: image, alignment: pageSize))
        }
        // Beside the metadata, so it shares its page.
        let checksum = ArtifactChecksum.section(for: [(SectionName.text, code.text)] + sections.map { ($0.name, $0.bytes) })
        sections.insert(ELFSection(name: SectionName.checksum, bytes: checksum, alignment: 8), at: 1)
        var symbols: [ELFSymbol] = []
        var exportedFunctions: [UInt32: [String]] = [:]
        for e in metadata.exports where e.kind == .function {
            exportedFunctions[e.index, default: []].append(e.name)
        }
        for (i, f) in metadata.functions.enumerated() {
            let index = UInt32(module.importedFunctionCount + i)
            let name = f.name.isEmpty ? "\(SymbolName.anonymousFunctionPrefix)\(index)" : symbolName(f.name)
            symbols.append(
                ELFSymbol(name: name, section: 0, offset: UInt64(f.codeOffset), size: UInt64(f.codeSize), kind: .function, isExported: false))
            for exportName in exportedFunctions[index] ?? [] where !exportName.utf8.contains(0) {
                symbols.append(
                    ELFSymbol(
                        name: exportName, section: 0, offset: UInt64(f.codeOffset), size: UInt64(f.codeSize),
                        kind: .function, isExported: true))
            }
        }
        for (t, offset) in metadata.entryTrampolines.enumerated() where offset != ArtifactMetadata.noCode {
            symbols.append(ELFSymbol(name: "__kiln_entry_type\(t)", section: 0, offset: UInt64(offset), size: 0, kind: .function, isExported: false))
        }
        if metadata.lazyTrampoline != ArtifactMetadata.noCode {
            symbols.append(ELFSymbol(name: "__kiln_lazy_trampoline", section: 0, offset: UInt64(metadata.lazyTrampoline), size: 0, kind: .function, isExported: false))
        }
        for (t, offset) in metadata.hostCallStubs.enumerated() where offset != ArtifactMetadata.noCode {
            symbols.append(ELFSymbol(name: "__kiln_hostcall_type\(t)", section: 0, offset: UInt64(offset), size: 0, kind: .function, isExported: false))
        }
        if options.target == .aarch64 { symbols += mappingSymbols(code) }
        symbols.append(
            ELFSymbol(name: SymbolName.metadata, section: 1, offset: 0, size: UInt64(metadataBytes.count), kind: .object, isExported: true))
        return ELFImage(
            machine: UInt16(options.target.rawValue), soname: options.soname, text: code.text,
            readOnlySections: sections, symbols: symbols, pageSize: pageSize)
    }

    /// The AArch64 ELF ABI's mapping symbols (local, `STT_NOTYPE`, size 0): `$x` where
    /// A64 instructions start, `$d` where data starts. `.text` starts with code; each of
    /// ``CompiledCode/dataRanges`` (the optimizing tier's constant pools and jump tables)
    /// gets a `$d`, and code after it a `$x` again.
    static func mappingSymbols(_ code: CompiledCode) -> [ELFSymbol] {
        guard !code.text.isEmpty else { return [] }
        func symbol(_ name: String, at offset: Int) -> ELFSymbol {
            ELFSymbol(name: name, section: 0, offset: UInt64(offset), size: 0, kind: .noType, isExported: false)
        }
        var symbols = [symbol("$x", at: 0)]
        for range in code.dataRanges.sorted(by: { $0.lowerBound < $1.lowerBound }) where !range.isEmpty {
            // A `$x` with no instruction before this data (the previous range's end, or
            // the start) gives way to the `$d`.
            if let last = symbols.last, last.offset == UInt64(range.lowerBound) { symbols.removeLast() }
            symbols.append(symbol("$d", at: range.lowerBound))
            // What follows is alignment padding (zero words: `udf #0`) and the next
            // object's code.
            if range.upperBound < code.text.count { symbols.append(symbol("$x", at: range.upperBound)) }
        }
        return symbols
    }

    /// ELF string tables cannot hold NUL; a wasm name can. Such names are written with
    /// the NUL escaped as `\0` (the metadata keeps the exact name).
    static func symbolName(_ name: String) -> String {
        name.utf8.contains(0) ? name.replacingNUL() : name
    }
}

extension String {
    fileprivate func replacingNUL() -> String {
        var out = ""
        for c in unicodeScalars { if c == "\0" { out += "\\0" } else { out.unicodeScalars.append(c) } }
        return out
    }
}
