import WasmParser
import WasmTypes

/// Why checking a body stopped: a real error, or a feature whose instructions Kiln does
/// not validate yet (the body is then only scanned for features).
enum BodyCheckError: Error {
    case error(ModuleError)
    case unsupported(WasmFeature)
}

/// A control frame of the spec's validation algorithm.
/// <https://webassembly.github.io/spec/core/appendix/algorithm.html>
struct ControlFrame {
    enum Kind { case function, block, loop, `if`, `else`, tryTable, constant }
    var kind: Kind
    var startTypes: [ValueType]
    var endTypes: [ValueType]
    /// Operand stack height at entry.
    var height: Int
    /// Set after an unconditional branch: the rest of the frame is stack-polymorphic.
    var unreachable = false

    /// What a branch to this frame carries.
    var labelTypes: [ValueType] { kind == .loop ? startTypes : endTypes }
}

/// Validates one function body (or constant expression) with the spec's algorithm: an
/// operand stack whose entries may be Unknown (`nil`) in unreachable code, and a stack
/// of control frames. WasmParser drives it as an `InstructionVisitor`.
struct FunctionValidator: InstructionVisitor, ~Copyable {
    typealias VisitorError = BodyCheckError

    let context: ValidationContext
    /// Parameters, then declared locals.
    let locals: [ValueType]
    let results: [ValueType]
    /// Set when validating a constant expression: only constant instructions are allowed
    /// and `global.get` sees only `constantGlobalLimit` globals.
    let isConstant: Bool
    let constantGlobalLimit: Int

    var values: [ValueType?] = []
    var frames: [ControlFrame] = []
    var binaryOffset: Int = 0
    /// Set once the function's outermost `end` has been seen.
    var finished = false

    init(context: ValidationContext, parameters: [ValueType], locals: [ValueType], results: [ValueType]) {
        self.context = context
        self.locals = parameters + locals
        self.results = results
        self.isConstant = false
        self.constantGlobalLimit = context.module.globals.count
        frames.append(ControlFrame(kind: .function, startTypes: [], endTypes: results, height: 0))
    }

    init(constantOf type: ValueType, context: ValidationContext, globalLimit: Int) {
        self.context = context
        self.locals = []
        self.results = [type]
        self.isConstant = true
        self.constantGlobalLimit = globalLimit
        frames.append(ControlFrame(kind: .constant, startTypes: [], endTypes: [type], height: 0))
    }

    var module: WasmModule { context.module }

    // MARK: Errors

    func fail(_ error: ModuleError) -> BodyCheckError {
        var error = error
        if error.offset == nil && !isConstant { error.offset = binaryOffset }
        return .error(error)
    }
    func invalid(_ message: String, detail: String? = nil) -> BodyCheckError {
        fail(.invalid(message, detail: detail))
    }
    func malformed(_ message: String) -> BodyCheckError {
        fail(.malformed(message))
    }
    func unknown(_ space: String, _ index: UInt32) -> BodyCheckError {
        fail(.unknown(space, index))
    }
    /// Rejects a non-constant instruction inside a constant expression.
    func requireNonConstantContext() throws(BodyCheckError) {
        if isConstant { throw invalid("constant expression required") }
    }

    // MARK: Operand stack

    mutating func push(_ type: ValueType?) { values.append(type) }
    mutating func push(_ types: [ValueType]) { for t in types { values.append(t) } }

    /// Pops any operand (`nil` = Unknown in unreachable code). `expected` names what was
    /// wanted; it is only evaluated for the error message.
    mutating func pop(expecting expected: @autoclosure () -> String = "a value") throws(BodyCheckError) -> ValueType? {
        guard !frames.isEmpty else { throw malformed("unexpected end") }
        let frame = frames.count - 1
        if values.count == frames[frame].height {
            if frames[frame].unreachable { return nil }
            throw invalid("type mismatch", detail: "expected \(expected()), found nothing")
        }
        return values.removeLast()
    }

    /// Pops an operand that must match `expected`.
    @discardableResult
    mutating func pop(_ expected: ValueType) throws(BodyCheckError) -> ValueType? {
        // The common case, checked first: an operand of exactly the expected type above
        // the current frame's base.
        if let frame = frames.indices.last, values.count > frames[frame].height,
            let top = values[values.count - 1], TypeRules.isSame(top, expected)
        {
            values.removeLast()
            return expected
        }
        let actual = try pop(expecting: TypeRules.name(expected))
        if let actual, !TypeRules.isSubtype(actual, of: expected, types: module.types) {
            throw invalid(
                "type mismatch", detail: "expected \(TypeRules.name(expected)), found \(TypeRules.name(actual))")
        }
        return actual
    }

    /// Pops operands matching `types` (the last type on top).
    mutating func pop(_ types: [ValueType]) throws(BodyCheckError) {
        for type in types.reversed() { try pop(type) }
    }

    /// Pops operands matching `types` (the last type on top) and returns what was popped.
    mutating func popReturning(_ types: [ValueType]) throws(BodyCheckError) -> [ValueType?] {
        var popped = [ValueType?](repeating: nil, count: types.count)
        for i in types.indices.reversed() { popped[i] = try pop(types[i]) }
        return popped
    }

    /// Pops a reference of any type.
    mutating func popReference() throws(BodyCheckError) -> ValueType? {
        let actual = try pop(expecting: "a reference")
        if let actual, !TypeRules.isReference(actual) {
            throw invalid("type mismatch", detail: "expected a reference, found \(TypeRules.name(actual))")
        }
        return actual
    }

    // MARK: Control stack

    mutating func pushFrame(_ kind: ControlFrame.Kind, _ type: FunctionType) {
        frames.append(ControlFrame(kind: kind, startTypes: type.parameters, endTypes: type.results, height: values.count))
        push(type.parameters)
    }

    mutating func popFrame() throws(BodyCheckError) -> ControlFrame {
        guard let frame = frames.last else { throw malformed("unexpected end") }
        try pop(frame.endTypes)
        guard values.count == frame.height else {
            let extra = values[frame.height...].map { TypeRules.name($0) }.joined(separator: " ")
            throw invalid("type mismatch", detail: "expected \(TypeRules.name(frame.endTypes)), found extra [\(extra)]")
        }
        frames.removeLast()
        return frame
    }

    /// What a branch to the frame `depth` labels out from the innermost carries.
    func labelTypes(atDepth depth: UInt32) throws(BodyCheckError) -> [ValueType] {
        guard depth < frames.count, frames[frames.count - 1].kind != .constant else {
            throw invalid("unknown label", detail: "depth \(depth)")
        }
        return frames[frames.count - 1 - Int(depth)].labelTypes
    }

    mutating func markUnreachable() {
        values.removeSubrange(frames[frames.count - 1].height...)
        frames[frames.count - 1].unreachable = true
    }

    /// The type a block type stands for.
    func functionType(of blockType: BlockType) throws(BodyCheckError) -> FunctionType {
        switch blockType {
        case .empty: return FunctionType(parameters: [], results: [])
        case .type(let t):
            try checkValueType(t)
            return FunctionType(parameters: [], results: [t])
        case .funcType(let index):
            return try functionType(index)
        }
    }

    func functionType(_ typeIndex: UInt32) throws(BodyCheckError) -> FunctionType {
        guard Int(typeIndex) < module.types.count else { throw unknown("type", typeIndex) }
        guard !context.nonFunctionTypes.contains(typeIndex) else { throw BodyCheckError.unsupported(.gc) }
        return module.types[Int(typeIndex)]
    }

    /// Checks a value type written in the body (a concrete heap type must name a type).
    func checkValueType(_ t: ValueType) throws(BodyCheckError) {
        guard case .ref(let r) = t else { return }
        if case .concrete(let index) = r.heapType, Int(index) >= module.types.count {
            throw unknown("type", index)
        }
    }

    // MARK: Index spaces

    func tableType(_ index: UInt32) throws(BodyCheckError) -> TableType {
        guard Int(index) < module.tables.count else { throw unknown("table", index) }
        return module.tables[Int(index)]
    }

    func memoryType(_ index: UInt32) throws(BodyCheckError) -> MemoryType {
        guard Int(index) < module.memories.count else { throw unknown("memory", index) }
        return module.memories[Int(index)]
    }

    func calleeType(_ index: UInt32) throws(BodyCheckError) -> FunctionType {
        guard Int(index) < module.functionTypeIndices.count else { throw unknown("function", index) }
        return try functionType(module.functionTypeIndices[Int(index)])
    }

    /// The address type (i32 or i64) of a memory or table.
    static func addressType(_ limits: Limits) -> ValueType { limits.isMemory64 ? .i64 : .i32 }
}

extension FunctionValidator {
    /// What the spec's decoder says about a body without its final `end`. It reads on
    /// past the body: into the next body (whose first bytes are not `end`: "END opcode
    /// expected"), into the next section (whose id `0x0b` reads as `end`, and the code
    /// section then has the wrong size), or off the end of the module.
    static func missingEndMessage(function index: UInt32, module: WasmModule) -> String {
        guard Int(index) - module.importedFunctionCount == module.bodies.count - 1 else { return "END opcode expected" }
        return module.codeSectionIsLast ? "unexpected end of section or function" : "section size mismatch"
    }

    /// Validates function `index` (in the whole function space) of `context.module` and
    /// feeds every instruction to `scanner` and `usage` (started here for this body). A
    /// body that needs a feature Kiln does not validate yet is still scanned to its end;
    /// the feature is returned.
    static func validate(
        function index: UInt32, body: Code, context: ValidationContext, scanner: inout FeatureScanner,
        usage: inout FunctionUsageCounter
    ) throws(ModuleError) -> WasmFeature? {
        let module = context.module
        let typeIndex = module.functionTypeIndices[Int(index)]
        var skipped: WasmFeature? = nil
        if context.usesGCTypes || context.nonFunctionTypes.contains(typeIndex) { skipped = .gc }
        if body.locals.contains(where: { !TypeRules.isDefaultable($0) }) { skipped = .functionReferences }
        let type = module.types[Int(typeIndex)]
        usage.start(localCount: type.parameters.count + body.locals.count)
        var validator = FunctionValidator(
            context: context, parameters: type.parameters, locals: body.locals, results: type.results)
        do {
            for local in body.locals { try validator.checkValueType(local) }
        } catch {
            if case .error(var e) = error { e.function = index; throw e }
        }
        var parser = ExpressionParser(code: body)
        while true {
            let next: ExpressionParser.Visit?
            do {
                next = try parser.parse()
            } catch {
                let position = parser.offset
                let lastByte = body.expression.indices.contains(position - 1) ? body.expression[position - 1] : nil
                var e = ParserErrorMapping.moduleError(error, lastByte: lastByte, position: position)
                if e.message == "unexpected end" { e.message = missingEndMessage(function: index, module: module) }
                e.function = index
                throw e
            }
            guard let visit = next else { break }
            visit(visitor: &scanner)
            visit(visitor: &usage)
            guard skipped == nil else { continue }
            if validator.finished {
                throw ModuleError(kind: .malformed, message: "END opcode expected", offset: validator.binaryOffset, function: index)
            }
            do {
                try visit(visitor: &validator)
            } catch {
                switch error {
                case .unsupported(let feature): skipped = feature
                case .error(var e):
                    e.function = index
                    throw e
                }
            }
        }
        if skipped == nil && !validator.finished {
            throw ModuleError(
                kind: .malformed, message: missingEndMessage(function: index, module: module), offset: parser.offset,
                function: index)
        }
        return skipped
    }
}
