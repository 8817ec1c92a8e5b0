// Artifacts built without the compiler: hand-written x86-64 functions, entry trampolines
// and a host call stub following docs/abi.md, with metadata encoded by KilnABI, linked
// by clang into an ELF shared object. Lets the loader and the call/trap paths be tested
// on their own.
import Foundation
import KilnABI

enum HandAssembled {
    /// Fixed `.text` offsets (the assembly places everything with `.org`).
    enum At {
        static let answer: UInt32 = 0x000  // () -> i32: 42
        static let boom: UInt32 = 0x040  // () -> (): ud2
        static let add: UInt32 = 0x080  // (i32, i32) -> i32
        static let load: UInt32 = 0x0C0  // (i32) -> i32: i32.load from memory 0
        static let loadSite: UInt32 = 0x0C8
        static let callHost: UInt32 = 0x100  // (i32) -> i32: env.double(x) + 1
        static let grow: UInt32 = 0x140  // (i32) -> i32: memory.grow
        static let recurse: UInt32 = 0x180  // () -> (): infinite recursion with a stack check
        static let recurseSite: UInt32 = 0x1B0
        static let getGlobal: UInt32 = 0x1C0  // () -> i64: global 0
        static let div: UInt32 = 0x200  // (i32, i32) -> i32: idiv
        static let divSite: UInt32 = 0x208
        static let entries: UInt32 = 0x400  // entry trampoline of type t at entries + 0x40 * t
        static let hostStub: UInt32 = 0x600  // host call stub of type 3
        static let hostStubSite: UInt32 = 0x630
    }

    static let types = [
        Signature(parameters: [], results: [.i32]),  // 0
        Signature(parameters: [], results: []),  // 1
        Signature(parameters: [.i32, .i32], results: [.i32]),  // 2
        Signature(parameters: [.i32], results: [.i32]),  // 3
        Signature(parameters: [], results: [.i64]),  // 4
    ]

    /// The metadata of the standard fixture. `edit` may change it (wrong target, ...).
    static func metadata() -> ArtifactMetadata {
        var m = ArtifactMetadata(target: .x86_64)
        m.types = types
        m.imports = [ImportEntry(module: "env", name: "double", kind: .function(typeIndex: 3))]
        let functions: [(String, UInt32, UInt32)] = [
            ("answer", 0, At.answer), ("", 1, At.boom), ("add", 2, At.add), ("load", 3, At.load),
            ("callHost", 3, At.callHost), ("grow", 3, At.grow), ("recurse", 1, At.recurse),
            ("getGlobal", 4, At.getGlobal), ("div", 2, At.div),
        ]
        m.functions = functions.map { FunctionEntry(typeIndex: $0.1, codeOffset: $0.2, codeSize: 0x40, name: $0.0) }
        m.memory = MemoryLimits(minimum: 1, maximum: 3)
        m.globals = [
            GlobalEntry(
                type: GlobalTypeEntry(kind: .i64, isMutable: true),
                initializer: ConstExpr([.i64Const(6), .i64Const(7), .i64Mul]))
        ]
        // Function indices count the import first.
        m.exports = [
            ExportEntry(name: "answer", kind: .function, index: 1),
            ExportEntry(name: "boom", kind: .function, index: 2),
            ExportEntry(name: "add", kind: .function, index: 3),
            ExportEntry(name: "load", kind: .function, index: 4),
            ExportEntry(name: "callHost", kind: .function, index: 5),
            ExportEntry(name: "grow", kind: .function, index: 6),
            ExportEntry(name: "recurse", kind: .function, index: 7),
            ExportEntry(name: "getGlobal", kind: .function, index: 8),
            ExportEntry(name: "div", kind: .function, index: 9),
            ExportEntry(name: "double", kind: .function, index: 0),
            ExportEntry(name: "mem", kind: .memory, index: 0),
            ExportEntry(name: "g", kind: .global, index: 0),
        ]
        m.dataSegments = [
            DataSegmentEntry(offset: ConstExpr([.i32Const(0)]), isInImage: true, bytes: []),
            DataSegmentEntry(
                offset: ConstExpr([.i32Const(8), .i32Const(8), .i32Add]), isInImage: false, bytes: [1, 2, 3, 4]),
        ]
        m.memoryImage = MemoryImageEntry(memoryOffset: 0, length: 4096)
        m.trapSites = [
            TrapSite(codeOffset: At.boom, kind: .unreachable),
            TrapSite(codeOffset: At.loadSite, kind: .outOfBoundsMemoryAccess),
            TrapSite(codeOffset: At.recurseSite, kind: .callStackExhausted),
            TrapSite(codeOffset: At.divSite, kind: .integerDivideByZero),
            TrapSite(codeOffset: At.hostStubSite, kind: .hostError),
        ]
        m.entryTrampolines = types.indices.map { At.entries + 0x40 * UInt32($0) }
        m.hostCallStubs = [
            ArtifactMetadata.noCode, ArtifactMetadata.noCode, ArtifactMetadata.noCode, At.hostStub,
            ArtifactMetadata.noCode,
        ]
        return m
    }

    static func assembly(importSlot: Int, globalSlot: Int) -> String {
        func entry(_ t: Int, params: Int) -> String {
            let loads = ["mov rdi, [rbx]", "mov rsi, [rbx + 8]"].prefix(params).joined(separator: "\n ")
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
        return """
            .intel_syntax noprefix
            .text
            .p2align 12
            .org \(At.answer), 0xcc
             mov eax, 42
             ret
            .org \(At.boom), 0xcc
             ud2
            .org \(At.add), 0xcc
             lea eax, [rdi + rsi]
             ret
            .org \(At.load), 0xcc
             mov edi, edi
             mov rax, [r13]
            .org \(At.loadSite), 0x90
             mov eax, [rax + rdi]
             ret
            .org \(At.callHost), 0xcc
             push rbp
             mov rbp, rsp
             push r13
             sub rsp, 8
             mov rax, [r13 + \(importSlot)]
             mov r13, [r13 + \(importSlot + 8)]
             call rax
             mov r13, [rbp - 8]
             add eax, 1
             add rsp, 8
             pop r13
             pop rbp
             ret
            .org \(At.grow), 0xcc
             push rbp
             mov rbp, rsp
             push r13
             sub rsp, 8
             mov esi, edi
             mov rdi, r13
             call [r13 + \(VMContextLayout.builtin(.memoryGrow))]
             add rsp, 8
             pop r13
             pop rbp
             ret
            .org \(At.recurse), 0xcc
            .Lrecurse:
             push rbp
             mov rbp, rsp
             push r13
             sub rsp, 8
             lea r11, [rsp]
             mov r10, [r13 + \(VMContextLayout.storeContext)]
             cmp r11, [r10]
             jb 1f
             call .Lrecurse
             add rsp, 8
             pop r13
             pop rbp
             ret
            .org \(At.recurseSite), 0x90
            1: ud2
            .org \(At.getGlobal), 0xcc
             mov rax, [r13 + \(globalSlot)]
             ret
            .org \(At.div), 0xcc
             mov eax, edi
             cdq
            .org \(At.divSite), 0x90
             idiv esi
             ret
            \(types.indices.map { entry($0, params: types[$0].parameters.count) }.joined(separator: "\n"))
            .org \(At.hostStub), 0xcc
             push rbp
             mov rbp, rsp
             push r13
             sub rsp, 24
             mov [rsp], rdi
             mov rdi, r13
             mov rsi, [r13 + \(VMHostFunction.callerVmctx)]
             mov rdx, rsp
             call [r13 + \(VMHostFunction.callback)]
             test eax, eax
             jnz 2f
             mov eax, [rsp]
             add rsp, 24
             pop r13
             pop rbp
             ret
            .org \(At.hostStubSite), 0x90
            2: ud2
            .org 0x700, 0xcc
            .section .kiln.meta,"a"
            .incbin "meta.bin"
            .section .kiln.checksum,"a"
            .zero 16
            .section .kiln.memimg,"a"
            .p2align 12
            .ascii "hello, memory image"
            .org 4096, 0

            """
    }

    /// Links the fixture (with `metadata` if given) and returns the artifact's bytes.
    static func build(_ metadata: ArtifactMetadata = metadata()) throws -> [UInt8] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-rt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let layout = metadata.vmContextLayout
        let source = assembly(importSlot: layout.importedFunction(0), globalSlot: layout.definedGlobal(0))
        try source.write(to: dir.appendingPathComponent("a.s"), atomically: true, encoding: .utf8)
        try Data(metadata.encode()).write(to: dir.appendingPathComponent("meta.bin"))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["clang", "-shared", "-nostdlib", "-Wl,-z,max-page-size=4096", "-o", "a.so", "a.s"]
        p.currentDirectoryURL = dir
        let err = Pipe()
        p.standardError = err
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw FixtureError(message: "clang failed: \(message)")
        }
        return sealed([UInt8](try Data(contentsOf: dir.appendingPathComponent("a.so"))))
    }

    /// `linked` with its `.kiln.checksum` section filled in (what the compiler writes),
    /// found through the ELF section headers.
    static func sealed(_ linked: [UInt8]) -> [UInt8] {
        func field(_ at: Int, _ n: Int) -> Int {
            var v = 0
            for i in 0..<n { v |= Int(linked[at + i]) << (8 * i) }
            return v
        }
        let shoff = field(0x28, 8), shnum = field(0x3C, 2), shstrndx = field(0x3E, 2)
        let names = field(shoff + 64 * shstrndx + 0x18, 8)
        var sections: [(name: String, offset: Int, bytes: [UInt8])] = []
        for i in 1..<shnum {
            let header = shoff + 64 * i
            var end = names + field(header, 4)
            while linked[end] != 0 { end += 1 }
            let name = String(decoding: linked[(names + field(header, 4))..<end], as: UTF8.self)
            let offset = field(header + 0x18, 8), size = field(header + 0x20, 8)
            sections.append((name, offset, field(header + 4, 4) == 8 ? [] : Array(linked[offset..<offset + size])))
        }
        var out = linked
        let checksum = ArtifactChecksum.section(for: sections.map { ($0.name, $0.bytes) })
        let at = sections.first { $0.name == SectionName.checksum }!.offset
        out.replaceSubrange(at..<at + checksum.count, with: checksum)
        return out
    }

    /// The standard fixture, built once per test process.
    static let standard: [UInt8] = {
        do { return try build() } catch { fatalError("cannot build the hand-assembled fixture: \(error)") }
    }()

    /// Writes `bytes` to a temporary file and returns its path.
    static func write(_ bytes: [UInt8], name: String = "a.so") throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-rt-\(UUID().uuidString)-\(name)")
        try Data(bytes).write(to: url)
        return url.path
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

extension Array where Element == UInt8 {
    /// Index of the first occurrence of `needle`.
    func firstIndex(of needle: [UInt8]) -> Int? {
        guard needle.count <= count else { return nil }
        for i in 0...(count - needle.count) where Array(self[i..<i + needle.count]) == needle { return i }
        return nil
    }
}
