// A hand-assembled artifact with a funcref table, built without the compiler so the
// runtime's table work (relocation, lazy trampoline + resolver, builtins, strategies) can
// be tested on its own. Its `callIndirect` follows the call_indirect sequence of
// docs/tables.md (ABI 5: r10 = slot address, r14 = funcref, r13 = funcref.vmctx) and its
// lazy trampoline follows the trampoline described there (the lazy funcref is its own
// vmctx; the lazy context is found through its u32 offset). Its functions keep a simpler
// stack convention among themselves (nothing popped): only the table parts meet the runtime.
import Foundation
import KilnABI

@testable import KilnRuntime

enum TableFixture {
    enum At {
        static let one: UInt32 = 0x000  // () -> i32: base + 1
        static let two: UInt32 = 0x040  // () -> i32: base + 2
        static let callIndirect: UInt32 = 0x080  // (i32) -> i32: call_indirect (type 0) table 0
        static let undefinedSite: UInt32 = 0x170
        static let uninitializedSite: UInt32 = 0x174
        static let mismatchSite: UInt32 = 0x178
        static let fill: UInt32 = 0x180  // (i32 dst, i32 len) -> (): table.fill 0 with null
        static let wide: UInt32 = 0x1C0  // () -> i64: 7
        static let boom: UInt32 = 0x1E0  // () -> i32: unreachable
        static let lazyTrampoline: UInt32 = 0x200
        static let entries: UInt32 = 0x400  // entry trampoline of type t at entries + 0x40 * t
        static let sweep: UInt32 = 0x500  // (i32 n) -> i32: sum of call_indirect of slots 0..<n
    }

    static let types = [
        Signature(parameters: [], results: [.i32]),  // 0
        Signature(parameters: [.i32], results: [.i32]),  // 1
        Signature(parameters: [.i32, .i32], results: []),  // 2
        Signature(parameters: [], results: [.i64]),  // 3
    ]

    /// Function index of each item of the image (nil = null): i % 3 == 0 -> one,
    /// 1 -> two, 2 -> null; slot 5 -> wide (a signature mismatch), slot 8 -> boom.
    static func item(_ i: Int) -> UInt32? {
        if i == 5 { return 4 }
        if i == 8 { return 5 }
        switch i % 3 {
        case 0: return 0
        case 1: return 1
        default: return nil
        }
    }

    struct Options {
        var strategy: TableInitStrategy = .image
        /// Import table 0 (`env.tab`) instead of defining it.
        var importsTable = false
        var slots: UInt64 = 1024
        var maximum: UInt64? = 2048
        /// `one` returns base + 1, `two` base + 2.
        var base: Int32 = 0
        /// Describe the image's items as an element segment in the metadata too.
        var segmentInMetadata = true
        /// Large images: alternate one/two with no null (for `sweep`).
        var dense = false
        /// Define memory 0 (and the data segments).
        var memory = true
    }

    static func metadata(_ o: Options) -> ArtifactMetadata {
        var m = ArtifactMetadata(target: .x86_64)
        m.types = types
        m.tableInit = o.strategy
        let tableType = TableTypeEntry(element: .funcref, limits: MemoryLimits(minimum: o.slots, maximum: o.maximum))
        if o.importsTable {
            m.imports = [ImportEntry(module: "env", name: "tab", kind: .table(tableType))]
        } else {
            m.tables = [TableEntry(type: tableType, initializer: nil, hasImage: o.strategy != .eager)]
        }
        let functions: [(String, UInt32, UInt32, UInt32)] = [
            ("one", 0, At.one, 0x40), ("two", 0, At.two, 0x40), ("callIndirect", 1, At.callIndirect, 0x100),
            ("fill", 2, At.fill, 0x40), ("wide", 3, At.wide, 0x20), ("boom", 0, At.boom, 0x20),
            ("sweep", 1, At.sweep, 0x100),
        ]
        m.functions = functions.map { FunctionEntry(typeIndex: $0.1, codeOffset: $0.2, codeSize: $0.3, name: $0.0) }
        m.memory = o.memory ? MemoryLimits(minimum: 1, maximum: 2) : nil
        m.dataSegments = !o.memory ? [] : [
            DataSegmentEntry(offset: nil, isInImage: false, bytes: [1, 2, 3, 4, 5]),
            DataSegmentEntry(offset: ConstExpr([.i32Const(100)]), isInImage: false, bytes: [9, 9]),
        ]
        for (i, f) in functions.enumerated() {
            m.exports.append(ExportEntry(name: f.0, kind: .function, index: UInt32(i)))
        }
        m.exports.append(ExportEntry(name: "tab", kind: .table, index: 0))
        if o.memory { m.exports.append(ExportEntry(name: "mem", kind: .memory, index: 0)) }
        var segments: [ElementSegmentEntry] = []
        if !o.importsTable && o.segmentInMetadata {
            let items = (0..<Int(o.slots)).map { i in ConstExpr([item(i).map { .refFunc($0) } ?? .refNull(.funcref)]) }
            segments.append(
                ElementSegmentEntry(
                    mode: .active(table: 0, offset: ConstExpr([.i32Const(0)])), kind: .funcref, items: items,
                    isInImage: o.strategy != .eager))
        }
        segments.append(
            ElementSegmentEntry(
                mode: .passive, kind: .funcref,
                items: [ConstExpr([.refFunc(1)]), ConstExpr([.refNull(.funcref)]), ConstExpr([.refFunc(0)])],
                isInImage: false))
        segments.append(
            ElementSegmentEntry(mode: .declarative, kind: .funcref, items: [ConstExpr([.refFunc(4)])], isInImage: false)
        )
        m.elementSegments = segments
        m.trapSites = [
            TrapSite(codeOffset: At.undefinedSite, kind: .undefinedElement),
            TrapSite(codeOffset: At.uninitializedSite, kind: .uninitializedElement),
            TrapSite(codeOffset: At.mismatchSite, kind: .indirectCallTypeMismatch),
            TrapSite(codeOffset: At.boom, kind: .unreachable),
        ]
        m.entryTrampolines = types.indices.map { At.entries + 0x40 * UInt32($0) }
        m.hostCallStubs = types.map { _ in ArtifactMetadata.noCode }
        m.lazyTrampoline = At.lazyTrampoline
        return m
    }

    static func assembly(_ o: Options, layout: VMContextLayout) -> String {
        let tablePointer = layout.tablePointer(0)
        func entry(_ t: Int) -> String {
            let loads = ["mov rdi, [rbx]", "mov rsi, [rbx + 8]"].prefix(types[t].parameters.count).joined(
                separator: "\n ")
            return """
                .org \(At.entries + 0x40 * UInt32(t)), 0xcc
                 push rbp
                 mov rbp, rsp
                 push rbx
                 push r12
                 push r13
                 push r14
                 push r15
                 sub rsp, 8
                 mov r13, rdi
                 mov rbx, rdx
                 mov rax, rsi
                 \(loads)
                 call rax
                 mov [rbx], rax
                 add rsp, 8
                 pop r15
                 pop r14
                 pop r13
                 pop r12
                 pop rbx
                 pop rbp
                 ret
                """
        }
        // The checked strategy: 0 = uninitialized -> tableLazyInit; otherwise untag.
        let load =
            o.strategy == .checked
            ? """
             mov r14, [r10]
             test r14, r14
             jnz 4f
             mov rdi, r13
             xor esi, esi
             mov edx, eax
             call [r13 + \(VMContextLayout.builtin(.tableLazyInit))]
             mov r14, rax
             jmp 5f
            4: and r14, -2
            5: test r14, r14
             jz .Luninit
            """
            : """
             mov r14, [r10]
             test r14, r14
             jz .Luninit
            """
        let saves = ["rdi", "rsi", "rdx", "rcx", "r8", "r9"].enumerated().map {
            " mov [rsp + \($0.offset * 8)], \($0.element)"
        }
        let restores = ["rdi", "rsi", "rdx", "rcx", "r8", "r9"].enumerated().map {
            " mov \($0.element), [rsp + \($0.offset * 8)]"
        }
        let xsaves = (0..<8).map { " movdqu [rsp + \(48 + $0 * 16)], xmm\($0)" }
        let xrestores = (0..<8).map { " movdqu xmm\($0), [rsp + \(48 + $0 * 16)]" }
        var image = ""
        if !o.importsTable && o.strategy != .eager {
            if o.slots > 4096 {
                // Large tables: the plain repeating pattern (slots 5 and 8 null).
                image =
                    o.dense
                    ? " .rept \(o.slots / 2)\n .quad 1, 2\n .endr\n" + ["", " .quad 1"][Int(o.slots % 2)]
                    : " .rept \(o.slots / 3)\n .quad 1, 2, 0\n .endr\n" + ["", " .quad 1", " .quad 1, 2"][Int(o.slots % 3)]
            } else {
                image = (0..<Int(o.slots)).map { " .quad \(item($0).map { UInt64($0) + 1 } ?? 0)" }.joined(
                    separator: "\n")
            }
        }
        let lazyFuncs = metadata(o).functions.enumerated().map {
            " .quad \(At.lazyTrampoline), \($0.element.typeIndex), 0, \($0.offset)"
        }.joined(separator: "\n")
        return """
            .intel_syntax noprefix
            .text
            .p2align 12
            .org \(At.one), 0xcc
             mov eax, \(o.base + 1)
             ret
            .org \(At.two), 0xcc
             mov eax, \(o.base + 2)
             ret
            .org \(At.callIndirect), 0xcc
             push rbp
             mov rbp, rsp
             push r13
             sub rsp, 8
             mov r11, [r13 + \(tablePointer)]
             mov eax, edi
             cmp rax, [r11 + \(VMTableDefinition.length)]
             jae .Lundef
             mov r11, [r11 + \(VMTableDefinition.base)]
             lea r10, [r11 + rax * 8]
            \(load)
             mov rax, [r13 + \(VMContextLayout.typeIds)]
             mov rax, [rax]
             cmp [r14 + \(VMFuncRef.typeId)], rax
             jne .Lmismatch
             mov r13, [r14 + \(VMFuncRef.vmctx)]
             call [r14 + \(VMFuncRef.code)]
             mov r13, [rbp - 8]
             add rsp, 8
             pop r13
             pop rbp
             ret
            .org \(At.undefinedSite), 0xcc
            .Lundef: ud2
            .org \(At.uninitializedSite), 0xcc
            .Luninit: ud2
            .org \(At.mismatchSite), 0xcc
            .Lmismatch: ud2
            .org \(At.fill), 0xcc
             push rbp
             mov rbp, rsp
             push r13
             sub rsp, 8
             mov edx, edi
             mov r8d, esi
             mov rdi, r13
             xor esi, esi
             xor ecx, ecx
             call [r13 + \(VMContextLayout.builtin(.tableFill))]
             add rsp, 8
             pop r13
             pop rbp
             ret
            .org \(At.wide), 0xcc
             mov eax, 7
             ret
            .org \(At.boom), 0xcc
             ud2
            .org \(At.lazyTrampoline), 0xcc
             push rbp
             mov rbp, rsp
             sub rsp, 176
            \(saves.joined(separator: "\n"))
            \(xsaves.joined(separator: "\n"))
             mov r11d, [r13 + \(VMFuncRef.lazyContextOffset)]
             mov rdi, r13
             sub rdi, r11
             mov rsi, r10
             mov rdx, r13
             call [rdi + \(VMLazyContext.resolver)]
             mov r14, rax
            \(restores.joined(separator: "\n"))
            \(xrestores.joined(separator: "\n"))
             mov r13, [r14 + \(VMFuncRef.vmctx)]
             mov rsp, rbp
             pop rbp
             jmp [r14 + \(VMFuncRef.code)]
            \(types.indices.map(entry).joined(separator: "\n"))
            .org \(At.sweep), 0xcc
             push rbp
             mov rbp, rsp
             push r13
             push rbx
             push r12
             sub rsp, 8
             mov r12d, edi
             xor ebx, ebx
             mov qword ptr [rsp], 0
            6: cmp ebx, r12d
             jae 7f
             mov r11, [r13 + \(tablePointer)]
             mov r11, [r11 + \(VMTableDefinition.base)]
             lea r10, [r11 + rbx * 8]
             mov r14, [r10]
             mov r13, [r14 + \(VMFuncRef.vmctx)]
             call [r14 + \(VMFuncRef.code)]
             mov r13, [rbp - 8]
             add dword ptr [rsp], eax
             inc ebx
             jmp 6b
            7: mov eax, [rsp]
             add rsp, 8
             pop r12
             pop rbx
             pop r13
             pop rbp
             ret
            .org 0x600, 0xcc
            .section .kiln.meta,"a"
            .incbin "meta.bin"
            .section .kiln.checksum,"a"
            .zero 16
            .section .kiln.lazyfuncs,"a"
            .p2align 4
            \(lazyFuncs)
            \(image.isEmpty ? "" : ".section .kiln.table.0,\"a\"\n.p2align 12\n" + image)

            """
    }

    /// Links the fixture and returns the artifact's bytes (cached per options).
    static func build(_ o: Options = Options()) throws -> [UInt8] {
        let key =
            "\(o.strategy.name)-\(o.importsTable)-\(o.slots)-\(String(describing: o.maximum))-\(o.base)-\(o.segmentInMetadata)-\(o.dense)-\(o.memory)"
        cacheLock.lock()
        defer { cacheLock.unlock() }
        if let bytes = cache[key] { return bytes }
        let m = metadata(o)
        let bytes = try link(assembly: assembly(o, layout: m.vmContextLayout), metadata: m)
        cache[key] = bytes
        return bytes
    }
    nonisolated(unsafe) private static var cache: [String: [UInt8]] = [:]
    private static let cacheLock = NSLock()

    static func link(assembly: String, metadata: ArtifactMetadata) throws -> [UInt8] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-tables-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try assembly.write(to: dir.appendingPathComponent("a.s"), atomically: true, encoding: .utf8)
        try Data(metadata.encode()).write(to: dir.appendingPathComponent("meta.bin"))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["clang", "-shared", "-nostdlib", "-Wl,-z,max-page-size=4096", "-o", "a.so", "a.s"]
        p.currentDirectoryURL = dir
        let err = Pipe()
        p.standardError = err
        try p.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw FixtureError(message: "clang failed: \(message)") }
        return HandAssembled.sealed([UInt8](try Data(contentsOf: dir.appendingPathComponent("a.so"))))
    }

    static func module(_ o: Options = Options()) throws -> Module {
        try Module(bytes: try build(o), engine: engine)
    }
}
