import KilnABI

/// What a module's code buffer records besides its bytes, the same for every ISA: each
/// trapping instruction (the artifact's trap table) and each direct call or tail jump
/// whose target field waits for the callee's offset (``ModuleCompiler`` patches them
/// through ``MacroAssembler/patchDirectCall(at:to:)`` once every function is placed).
/// The backend says where the instruction or field is; how a field is encoded stays its
/// own business.
public struct CodeRecords: Sendable {
    /// Every trapping instruction recorded so far, in emission order (out-of-line traps
    /// come after their function's body, so this is not sorted by offset).
    public private(set) var trapSites: [TrapSite] = []
    /// Direct calls recorded so far: where each one's target field is and which function
    /// (whole index space) it calls.
    public private(set) var directCalls: [(at: Int, function: UInt32)] = []

    public init() {}

    /// Records that the instruction at code offset `at` traps with `kind` when it faults.
    public mutating func trapSite(at: Int, _ kind: TrapKind) {
        trapSites.append(TrapSite(codeOffset: UInt32(at), kind: kind))
    }

    /// Records a call or tail jump whose target field at code offset `at` must reach
    /// defined function `function`.
    public mutating func directCall(at: Int, to function: UInt32) {
        directCalls.append((at, function))
    }

    /// The trap sites sorted by code offset, as the artifact's trap table wants them.
    public var sortedTrapSites: [TrapSite] { trapSites.sorted { $0.codeOffset < $1.codeOffset } }
}
