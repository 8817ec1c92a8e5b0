// The generator's description of one module, kept at the granularity the minimizer works
// on (a function body is a list of stack-neutral statements), and its binary encoding.

/// One generated function: its type, its declared locals and its body as a prologue, a
/// list of statements that each leave the operand stack as they found it (so any subset
/// of them is still a valid body) and an epilogue that pushes the results.
public struct GeneratedFunction: Sendable {
    public var typeIndex: UInt32
    public var locals: [FuzzType]
    public var prologue: [UInt8]
    public var statements: [[UInt8]]
    public var epilogue: [UInt8]
}

/// A generated global: type, mutability and its constant initializer (encoded, without `end`).
public struct GeneratedGlobal: Sendable {
    public var type: FuzzType
    public var isMutable: Bool
    public var initializer: [UInt8]
}

/// An export entry (`kind`: 0 function, 1 table, 2 memory, 3 global).
public struct GeneratedExport: Sendable {
    public var name: String
    public var kind: UInt8
    public var index: UInt32
}

/// A whole generated module in a form that can be edited (minimized) and encoded.
public struct GeneratedModule: Sendable {
    public var types: [FuzzSignature] = []
    public var functions: [GeneratedFunction] = []
    /// Funcref tables: minimum and optional maximum.
    public var tables: [(min: UInt32, max: UInt32?)] = []
    public var memory: (min: UInt32, max: UInt32?)?
    public var globals: [GeneratedGlobal] = []
    public var exports: [GeneratedExport] = []
    /// Element segments, each encoded as in the element section.
    public var elements: [[UInt8]] = []
    /// Data segments, each encoded as in the data section.
    public var data: [[UInt8]] = []

    /// The number of statements in all function bodies (what the minimizer shrinks).
    public var statementCount: Int { functions.reduce(0) { $0 + $1.statements.count } }

    /// The binary module.
    public func encode() -> [UInt8] {
        var out = WasmEncoder()
        out.append(WasmEncoder.header)
        var s = WasmEncoder()
        s.vector(types) { e, t in
            e.byte(0x60)
            e.vector(t.parameters) { $0.byte($1.rawValue) }
            e.vector(t.results) { $0.byte($1.rawValue) }
        }
        out.section(1, s.bytes)
        s = WasmEncoder()
        s.vector(functions) { $0.u32($1.typeIndex) }
        out.section(3, s.bytes)
        if !tables.isEmpty {
            s = WasmEncoder()
            s.vector(tables) { e, t in
                e.byte(FuzzType.funcref.rawValue)
                e.limits(min: t.min, max: t.max)
            }
            out.section(4, s.bytes)
        }
        if let memory {
            s = WasmEncoder()
            s.u32(1)
            s.limits(min: memory.min, max: memory.max)
            out.section(5, s.bytes)
        }
        if !globals.isEmpty {
            s = WasmEncoder()
            s.vector(globals) { e, g in
                e.byte(g.type.rawValue)
                e.byte(g.isMutable ? 1 : 0)
                e.append(g.initializer)
                e.byte(0x0B)
            }
            out.section(6, s.bytes)
        }
        s = WasmEncoder()
        s.vector(exports) { e, x in
            e.name(x.name)
            e.byte(x.kind)
            e.u32(x.index)
        }
        out.section(7, s.bytes)
        if !elements.isEmpty {
            s = WasmEncoder()
            s.vector(elements) { $0.append($1) }
            out.section(9, s.bytes)
        }
        if !data.isEmpty {
            s = WasmEncoder()
            s.u32(UInt32(data.count))
            out.section(12, s.bytes)
        }
        s = WasmEncoder()
        s.vector(functions) { e, f in
            var body = WasmEncoder()
            body.vector(runLengths(f.locals)) { b, run in
                b.u32(run.count)
                b.byte(run.type.rawValue)
            }
            body.append(f.prologue)
            for statement in f.statements { body.append(statement) }
            body.append(f.epilogue)
            body.byte(0x0B)
            e.u32(UInt32(body.bytes.count))
            e.append(body.bytes)
        }
        out.section(10, s.bytes)
        if !data.isEmpty {
            s = WasmEncoder()
            s.vector(data) { $0.append($1) }
            out.section(11, s.bytes)
        }
        return out.bytes
    }

    private func runLengths(_ locals: [FuzzType]) -> [(count: UInt32, type: FuzzType)] {
        var runs: [(count: UInt32, type: FuzzType)] = []
        for t in locals {
            if let last = runs.last, last.type == t {
                runs[runs.count - 1].count += 1
            } else {
                runs.append((1, t))
            }
        }
        return runs
    }
}
