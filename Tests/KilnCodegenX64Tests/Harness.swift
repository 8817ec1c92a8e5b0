import Foundation
import KilnABI
import KilnCodegen
import KilnCodegenX64
import KilnFrontend
import Testing

/// Runs compiled code without the real runtime: `.text` in an R+X mapping, a vmctx
/// laid out by `VMContextLayout`, an 8 GiB memory reservation, a stack limit, the
/// memory.grow builtin, host functions through the host call stubs.
final class TestInstance {
    let module: WasmModule
    let code: CompiledCode
    let text: UnsafeMutableRawPointer
    let textSize: Int
    let vmctx: UnsafeMutableRawPointer
    let layout: VMContextLayout
    var memory: UnsafeMutableRawPointer?
    let memoryDefinition: UnsafeMutablePointer<UInt64>
    let storeContext: UnsafeMutablePointer<UInt64>
    var hostFunctions: [UnsafeMutablePointer<UInt64>] = []
    var importedGlobalCells: [UnsafeMutablePointer<UInt64>] = []
    static let reservation = 8 << 30

    typealias HostCallback = @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, UnsafeMutablePointer<UInt64>?) -> UInt32
    typealias Entry = @convention(c) (UnsafeMutableRawPointer?, UnsafeRawPointer?, UnsafeMutablePointer<UInt64>?) -> Void

    convenience init(wat: String, imports: [HostCallback] = [], globals: [UInt64] = [], importedGlobals: [UInt64] = []) throws {
        try self.init(binary: try assemble(text: wat), imports: imports, globals: globals, importedGlobals: importedGlobals)
    }

    init(
        binary bytes: [UInt8], imports: [HostCallback] = [], globals: [UInt64] = [], importedGlobals: [UInt64] = [],
        trapOnUnsupported: Bool = false
    ) throws {
        module = try decodeModule(bytes)
        var backend = X64Backend()
        backend.trapOnUnsupported = trapOnUnsupported
        code = try backend.compile(module)
        if let path = ProcessInfo.processInfo.environment["KILN_DUMP"] {
            _ = FileManager.default.createFile(atPath: path, contents: Data(code.text))
        }
        let page = 4096
        textSize = max(page, (code.text.count + page - 1) / page * page)
        let t = mmap(nil, textSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)!
        code.text.withUnsafeBytes { t.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        precondition(mprotect(t, textSize, PROT_READ | PROT_EXEC) == 0)
        text = t

        layout = VMContextLayout(
            importedFunctions: module.importedFunctionCount, importedGlobals: module.importedGlobalCount,
            definedGlobals: module.globals.count - module.importedGlobalCount)
        vmctx = UnsafeMutableRawPointer.allocate(byteCount: layout.size + 64, alignment: 16)
        vmctx.initializeMemory(as: UInt8.self, repeating: 0, count: layout.size + 64)
        memoryDefinition = .allocate(capacity: 2)
        memoryDefinition.initialize(repeating: 0, count: 2)
        storeContext = .allocate(capacity: 2)
        storeContext.initialize(repeating: 0, count: 2)
        if let mem = module.memories.first {
            let m = mmap(nil, Self.reservation, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)!
            memory = m
            let bytes = Int(mem.min) * 65536
            if bytes > 0 { precondition(mprotect(m, bytes, PROT_READ | PROT_WRITE) == 0) }
            memoryDefinition[0] = UInt64(UInt(bitPattern: m))
            memoryDefinition[1] = UInt64(bytes)
            vmctx.storeBytes(of: m, toByteOffset: VMContextLayout.memoryBase, as: UnsafeMutableRawPointer.self)
            vmctx.storeBytes(of: mem.max ?? 65536, toByteOffset: VMContextLayout.instanceHandle, as: UInt64.self)
        }
        vmctx.storeBytes(of: memoryDefinition, toByteOffset: VMContextLayout.memoryDefinition, as: UnsafeMutablePointer<UInt64>.self)
        vmctx.storeBytes(of: storeContext, toByteOffset: VMContextLayout.storeContext, as: UnsafeMutablePointer<UInt64>.self)
        let grow: @convention(c) (UnsafeMutableRawPointer?, UInt64) -> Int64 = { ctx, delta in
            let ctx = ctx!
            let def = ctx.load(fromByteOffset: VMContextLayout.memoryDefinition, as: UnsafeMutablePointer<UInt64>.self)
            let maxPages = ctx.load(fromByteOffset: VMContextLayout.instanceHandle, as: UInt64.self)
            let old = def[1] / 65536
            if old + delta > maxPages { return -1 }
            let base = UnsafeMutableRawPointer(bitPattern: UInt(def[0]))!
            if delta > 0 { precondition(mprotect(base, Int((old + delta) * 65536), PROT_READ | PROT_WRITE) == 0) }
            def[1] = (old + delta) * 65536
            return Int64(old)
        }
        vmctx.storeBytes(of: unsafeBitCast(grow, to: UnsafeRawPointer.self), toByteOffset: VMContextLayout.builtin(.memoryGrow), as: UnsafeRawPointer.self)
        // Imported functions.
        for i in 0..<module.importedFunctionCount {
            let hf = UnsafeMutablePointer<UInt64>.allocate(capacity: 2)
            hf[0] = UInt64(UInt(bitPattern: unsafeBitCast(imports[i], to: UnsafeRawPointer.self)))
            hf[1] = 0
            hostFunctions.append(hf)
            let t = Int(module.functionTypeIndices[i])
            let stub = text + Int(code.hostCallStubs[t])
            vmctx.storeBytes(of: stub, toByteOffset: layout.importedFunction(i) + VMFunctionImport.code, as: UnsafeMutableRawPointer.self)
            vmctx.storeBytes(of: hf, toByteOffset: layout.importedFunction(i) + VMFunctionImport.vmctx, as: UnsafeMutablePointer<UInt64>.self)
        }
        // Defined globals: constant initializers, then explicit overrides.
        for (i, ini) in module.globalInitializers.enumerated() {
            var v: UInt64 = 0
            switch ini.first {
            case .i32Const(let x)?: v = UInt64(UInt32(bitPattern: x))
            case .i64Const(let x)?: v = UInt64(bitPattern: x)
            case .f32Const(let x)?: v = UInt64(x.bitPattern)
            case .f64Const(let x)?: v = x.bitPattern
            default: break
            }
            vmctx.storeBytes(of: v, toByteOffset: layout.definedGlobal(i), as: UInt64.self)
        }
        // Active data segments with constant offsets.
        for d in module.data {
            if case .active(let a) = d, case .i32Const(let off)? = a.offset.first, let memory {
                let bytes = Array(a.initializer)
                (memory + Int(UInt32(bitPattern: off))).copyMemory(from: bytes, byteCount: bytes.count)
            }
        }
        // Imported globals: a cell per import, initialised from `importedGlobals`.
        for i in 0..<module.importedGlobalCount {
            let cell = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)
            cell.initialize(to: i < importedGlobals.count ? importedGlobals[i] : 0)
            importedGlobalCells.append(cell)
            vmctx.storeBytes(of: cell, toByteOffset: layout.importedGlobalPointer(i), as: UnsafeMutablePointer<UInt64>.self)
        }
        for (i, g) in globals.enumerated() {
            vmctx.storeBytes(of: g, toByteOffset: layout.definedGlobal(i), as: UInt64.self)
        }
    }

    deinit {
        munmap(text, textSize)
        if let memory { munmap(memory, Self.reservation) }
        vmctx.deallocate()
        memoryDefinition.deallocate()
        storeContext.deallocate()
        for h in hostFunctions { h.deallocate() }
        for c in importedGlobalCells { c.deallocate() }
    }

    func global(_ definedIndex: Int) -> UInt64 {
        vmctx.load(fromByteOffset: layout.definedGlobal(definedIndex), as: UInt64.self)
    }

    /// Calls an exported function with raw 8-byte slots; returns the result slots.
    func call(_ name: String, _ args: [UInt64]) -> [UInt64] {
        guard let export = module.exports.first(where: { $0.name == name }), case .function(let index) = export.descriptor else {
            fatalError("no exported function \(name)")
        }
        let t = Int(module.functionTypeIndices[Int(index)])
        let type = module.types[t]
        let def = Int(index) - module.importedFunctionCount
        let entry = unsafeBitCast(text + Int(code.entryTrampolines[t]), to: Entry.self)
        var values = args + Array(repeating: 0, count: max(0, type.results.count - args.count) + 1)
        // A generous stack limit: the current stack minus 256 KiB.
        var probe = 0
        withUnsafeMutablePointer(to: &probe) { p in
            storeContext[0] = UInt64(UInt(bitPattern: p)) - 256 * 1024
        }
        values.withUnsafeMutableBufferPointer { buf in
            entry(vmctx, text + Int(code.functions[def].offset), buf.baseAddress)
        }
        return Array(values.prefix(type.results.count))
    }

    func i32(_ name: String, _ args: Int32...) -> Int32 {
        Int32(truncatingIfNeeded: call(name, args.map { UInt64(UInt32(bitPattern: $0)) })[0])
    }
    func i64(_ name: String, _ args: Int64...) -> Int64 {
        Int64(bitPattern: call(name, args.map { UInt64(bitPattern: $0) })[0])
    }
}

/// Raw value helpers.
func f32(_ x: Float) -> UInt64 { UInt64(x.bitPattern) }
func f64(_ x: Double) -> UInt64 { x.bitPattern }
func asF32(_ v: UInt64) -> Float { Float(bitPattern: UInt32(truncatingIfNeeded: v)) }
func asF64(_ v: UInt64) -> Double { Double(bitPattern: v) }
