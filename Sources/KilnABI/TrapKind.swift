/// Why wasm execution stopped abnormally. The raw values are what trap sites record in the
/// artifact's trap table, so they are part of the ABI. The messages match the spec
/// tests' wording so `assert_trap` compares them directly.
public enum TrapKind: UInt8, Sendable, CaseIterable {
    case unreachable = 1
    case integerDivideByZero = 2
    case integerOverflow = 3
    case invalidConversionToInteger = 4
    case outOfBoundsMemoryAccess = 5
    case callStackExhausted = 6
    case outOfBoundsTableAccess = 7
    case undefinedElement = 8
    case uninitializedElement = 9
    case indirectCallTypeMismatch = 10
    case nullReference = 11
    /// A host function (an import defined by the embedder) reported an error.
    case hostError = 12

    public var message: String {
        switch self {
        case .unreachable: return "unreachable"
        case .integerDivideByZero: return "integer divide by zero"
        case .integerOverflow: return "integer overflow"
        case .invalidConversionToInteger: return "invalid conversion to integer"
        case .outOfBoundsMemoryAccess: return "out of bounds memory access"
        case .callStackExhausted: return "call stack exhausted"
        case .outOfBoundsTableAccess: return "out of bounds table access"
        case .undefinedElement: return "undefined element"
        case .uninitializedElement: return "uninitialized element"
        case .indirectCallTypeMismatch: return "indirect call type mismatch"
        case .nullReference: return "null reference"
        case .hostError: return "host function error"
        }
    }
}
