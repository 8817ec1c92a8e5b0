import WasmParser
import WasmTypes

/// Checks constant expressions (global, table and segment initializers, segment offsets):
/// only constant instructions, `global.get` of an immutable global declared before, and
/// the right result type. <https://webassembly.github.io/spec/core/valid/instructions.html#constant-expressions>
struct ConstantExpressionChecker {
    let context: ValidationContext
    /// Features the expressions use (extended constants, references, SIMD, GC).
    var features: Set<WasmFeature> = []
    /// Features of expressions the checker could not validate.
    var unvalidated: Set<WasmFeature> = []

    init(context: ValidationContext) { self.context = context }

    /// - Parameter globalLimit: how many globals (from index 0) `global.get` may name.
    mutating func check(_ expression: ConstExpression, type: ValueType, globalLimit: Int) throws(ModuleError) {
        var validator = FunctionValidator(constantOf: type, context: context, globalLimit: globalLimit)
        var scanner = FeatureScanner()
        if context.usesGCTypes {
            for instruction in expression { scanner.visit(instruction) }
            features.formUnion(scanner.features)
            unvalidated.insert(.gc)
            return
        }
        for instruction in expression {
            scanner.visit(instruction)
            if case .binary = instruction { features.insert(.extendedConst) }
            if validator.finished { throw .invalid("constant expression required", detail: "instructions after end") }
            do {
                try validator.visit(instruction)
            } catch {
                switch error {
                case .unsupported(let feature):
                    unvalidated.insert(feature)
                    features.formUnion(scanner.features)
                    return
                case .error(let e): throw e
                }
            }
        }
        // Element segments listing function indices come without an `end`.
        if !validator.finished, expression.last != .end {
            do { try validator.visit(.end) } catch {
                if case .error(let e) = error { throw e }
            }
        }
        features.formUnion(scanner.features)
        guard validator.finished else { throw .malformed("unexpected end") }
    }
}
