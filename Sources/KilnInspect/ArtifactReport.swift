// What `kiln inspect` reports about an artifact, shared by the CLI and the fuzzer (which
// feeds it damaged artifacts): reading an artifact's facts must never crash.
import Foundation
import KilnABI
import KilnRuntime

/// The facts `inspect` shows, in a shape that encodes to JSON.
public struct ArtifactReport: Encodable, Sendable {
    /// One ELF section: name, file offset, size, flags (A, W, X).
    public struct Section: Encodable, Sendable {
        public var name: String
        public var offset: UInt64
        public var size: UInt64
        public var flags: String
    }
    /// One defined function and where its code lies.
    public struct Function: Encodable, Sendable {
        public var index: Int
        public var name: String
        public var signature: String
        public var codeOffset: UInt32
        public var codeSize: UInt32
    }
    /// An import or export: name, kind, type in words.
    public struct Named: Encodable, Sendable {
        public var name: String
        public var kind: String
        public var detail: String
    }
    /// A defined table and, when it has one, its image (lazy and null slots).
    public struct TableInfo: Encodable, Sendable {
        public var index: Int
        public var element: String
        public var minimum: UInt64
        public var maximum: UInt64?
        public var imagePages: Int?
        public var lazySlots: Int?
        public var nullSlots: Int?
    }
    /// The memory: limits and how its data segments are laid out.
    public struct MemoryInfo: Encodable, Sendable {
        public var minimumPages: UInt64
        public var maximumPages: UInt64?
        public var imported: Bool
        public var imageOffset: UInt64?
        public var imageBytes: UInt64?
        public var segmentsInImage: Int
        public var segmentsCopied: Int
        public var passiveSegments: Int
    }

    public var target: String
    public var abiVersion: UInt32
    public var sections: [Section]
    public var functions: [Function]
    public var imports: [Named]
    public var exports: [Named]
    public var memory: MemoryInfo?
    public var tableInit: String
    /// `baseline` or `optimizing`.
    public var tier: String
    public var tables: [TableInfo]
    public var globals: Int
    public var trapSites: Int
    public var entryTrampolines: Int
    public var hostCallStubs: Int
    public var startFunction: UInt32?

    /// Reads the facts of `module`; `fileBytes` are the artifact file (for the table images).
    public init(module: Module, fileBytes: [UInt8]) {
        self.init(metadata: module.metadata, sections: module.sections, fileBytes: fileBytes)
    }

    /// Reads the facts of an artifact read without loading it (either ISA, on any host).
    package init(contents: ArtifactContents, fileBytes: [UInt8]) {
        self.init(metadata: contents.metadata, sections: contents.sections, fileBytes: fileBytes)
    }

    init(metadata m: ArtifactMetadata, sections allSections: [SectionInfo], fileBytes: [UInt8]) {
        target = m.target.name
        abiVersion = m.abiVersion
        sections = allSections.filter { !$0.name.isEmpty }.map {
            Section(
                name: $0.name, offset: $0.offset, size: $0.size,
                flags: ($0.flags & 2 != 0 ? "A" : "") + ($0.isWritable ? "W" : "") + ($0.isExecutable ? "X" : ""))
        }
        let imported = m.importedFunctionCount
        functions = m.functions.enumerated().map { i, f in
            Function(
                index: imported + i, name: f.name.isEmpty ? "function[\(imported + i)]" : f.name,
                signature: Self.describe(m.types[Int(f.typeIndex)]), codeOffset: f.codeOffset, codeSize: f.codeSize)
        }
        imports = m.imports.map { i in
            switch i.kind {
            case .function(let t): return Named(name: "\(i.module).\(i.name)", kind: "function", detail: Self.describe(m.types[Int(t)]))
            case .memory(let l): return Named(name: "\(i.module).\(i.name)", kind: "memory", detail: Self.describe(l, unit: "pages"))
            case .global(let g): return Named(name: "\(i.module).\(i.name)", kind: "global", detail: Self.describe(g))
            case .table(let t): return Named(name: "\(i.module).\(i.name)", kind: "table", detail: "\(t.element.name) \(Self.describe(t.limits, unit: "slots"))")
            }
        }
        exports = m.exports.map { e in
            switch e.kind {
            case .function:
                let index = Int(e.index)
                let type = index < imported ? nil : m.types[Int(m.functions[index - imported].typeIndex)]
                return Named(name: e.name, kind: "function", detail: "function[\(index)] " + (type.map(Self.describe) ?? "(imported)"))
            case .memory: return Named(name: e.name, kind: "memory", detail: "memory[\(e.index)]")
            case .global: return Named(name: e.name, kind: "global", detail: "global[\(e.index)]")
            case .table: return Named(name: e.name, kind: "table", detail: "table[\(e.index)]")
            }
        }
        let importedMemory = m.imports.lazy.compactMap { i -> MemoryLimits? in
            if case .memory(let l) = i.kind { return l } else { return nil }
        }.first
        if let limits = m.memory ?? importedMemory {
            memory = MemoryInfo(
                minimumPages: limits.minimum, maximumPages: limits.maximum, imported: m.memory == nil,
                imageOffset: m.memoryImage?.memoryOffset, imageBytes: m.memoryImage?.length,
                segmentsInImage: m.dataSegments.filter(\.isInImage).count,
                segmentsCopied: m.dataSegments.filter { $0.offset != nil && !$0.isInImage }.count,
                passiveSegments: m.dataSegments.filter { $0.offset == nil }.count)
        }
        tableInit = m.tableInit.name
        tier = m.codeTier.name
        let importedTables = m.importedTableCount
        tables = m.tables.enumerated().map { i, t in
            var info = TableInfo(
                index: importedTables + i, element: t.type.element.name, minimum: t.type.limits.minimum,
                maximum: t.type.limits.maximum)
            if t.hasImage, let section = allSections.first(where: { $0.name == SectionName.tableImage(i) }),
                section.offset + section.size <= UInt64(fileBytes.count)
            {
                let start = Int(section.offset)
                let slots = Int(section.size) / 8
                var lazy = 0
                for s in 0..<slots where fileBytes[start + s * 8..<start + s * 8 + 8].contains(where: { $0 != 0 }) {
                    lazy += 1
                }
                info.imagePages = (Int(section.size) + 4095) / 4096
                info.lazySlots = lazy
                info.nullSlots = slots - lazy
            }
            return info
        }
        globals = m.globals.count
        trapSites = m.trapSites.count
        entryTrampolines = m.entryTrampolines.filter { $0 != ArtifactMetadata.noCode }.count
        hostCallStubs = m.hostCallStubs.filter { $0 != ArtifactMetadata.noCode }.count
        startFunction = m.startFunction
    }

    static func describe(_ s: Signature) -> String {
        "(\(s.parameters.map(\.name).joined(separator: ", "))) -> (\(s.results.map(\.name).joined(separator: ", ")))"
    }
    static func describe(_ l: MemoryLimits, unit: String) -> String {
        "\(l.minimum)..\(l.maximum.map(String.init) ?? "unbounded") \(unit)"
    }
    static func describe(_ g: GlobalTypeEntry) -> String { (g.isMutable ? "mut " : "") + g.kind.name }

    /// The report as text, headed by `file`.
    public func text(file: String) -> String {
        var out = "\(file): Kiln artifact, ABI version \(abiVersion), target \(target), \(tier) tier\n"
        out += "\nsections:\n"
        for s in sections {
            out += "  \(s.name.padding(toLength: 14, withPad: " ", startingAt: 0)) offset 0x\(String(s.offset, radix: 16)), \(s.size) bytes, \(s.flags)\n"
        }
        out += "\nfunctions (\(functions.count) defined, \(trapSites) trap sites, \(entryTrampolines) entry trampolines, \(hostCallStubs) host call stubs):\n"
        for f in functions {
            out += "  [\(f.index)] \(f.name) \(f.signature): \(f.codeSize) bytes at .text+0x\(String(f.codeOffset, radix: 16))\n"
        }
        out += "\nimports (\(imports.count)):\n"
        for i in imports { out += "  \(i.kind) \(i.name): \(i.detail)\n" }
        out += "\nexports (\(exports.count)):\n"
        for e in exports { out += "  \(e.kind) \"\(e.name)\": \(e.detail)\n" }
        if let memory {
            out += "\nmemory: \(memory.minimumPages)..\(memory.maximumPages.map(String.init) ?? "unbounded") pages\(memory.imported ? " (imported)" : "")\n"
            if let offset = memory.imageOffset, let bytes = memory.imageBytes {
                out += "  image: \(bytes) bytes (\(bytes / 4096) pages) at linear address 0x\(String(offset, radix: 16)), mapped copy-on-write; \(memory.segmentsInImage) segment(s) laid out\n"
            } else {
                out += "  image: none\n"
            }
            out += "  segments copied at instantiation: \(memory.segmentsCopied), passive: \(memory.passiveSegments)\n"
        } else {
            out += "\nmemory: none\n"
        }
        out += "\nglobals: \(globals) defined\n"
        out += "start function: \(startFunction.map { "function[\($0)]" } ?? "none")\n"
        out += "\ntables (\(tables.count) defined, table-init strategy \(tableInit)):\n"
        for t in tables {
            out += "  [\(t.index)] \(t.element) \(t.minimum)..\(t.maximum.map(String.init) ?? "unbounded") slots"
            if let pages = t.imagePages, let lazy = t.lazySlots, let null = t.nullSlots {
                out += ": image of \(pages) page(s), \(lazy) lazy slot(s), \(null) null\n"
            } else {
                out += ": no image (segments applied at instantiation)\n"
            }
        }
        return out
    }
}
