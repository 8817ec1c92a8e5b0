// The one way into wasm code: set the stack limit, make sure the thread can take a trap,
// call the entry trampoline under kiln_invoke's sigsetjmp, turn a trap into a `Trap`.
import CKilnRuntime
import KilnABI

extension Store {
    /// Calls `entry(vmctx, code, values)`; nil when it returned, else the error (a trap,
    /// or a resource error when the thread's stack cannot be found). Allocation-free unless
    /// it traps.
    @inline(__always)  // the hot half of every host->wasm call
    func enterWasm(
        entry: UnsafeRawPointer, vmctx: UnsafeMutableRawPointer, code: UnsafeRawPointer,
        values: UnsafeMutablePointer<UInt64>
    ) -> RuntimeError? {
        let previousLimit = stackLimit
        if previousLimit == 0, let failure = setStackLimit() { return failure }
        var trap = kiln_trap_info()
        let trapped = kiln_invoke(entry, vmctx, code, values, &trap)
        // An outer wasm call of this store keeps its limit; the outermost one clears it.
        stackLimit = previousLimit
        if trapped == 0 { return nil }
        return .trap(makeTrap(trap))
    }

    /// Sets the stack limit from the current thread's stack, leaving the engine's
    /// headroom (at most half the stack) for signal handling and host functions.
    private func setStackLimit() -> RuntimeError? {
        var low: UInt = 0
        var high: UInt = 0
        let r = kiln_prepare_thread(&low, &high)
        guard r == 0 else {
            return .resource("cannot prepare the thread for wasm (signal stack, stack bounds): \(Errno(rawValue: r))")
        }
        let headroom = max(min(UInt(engine.stackHeadroom), (high - low) / 2), UInt(VMStoreContext.minimumHeadroom))
        stackLimit = low + headroom
        return nil
    }

    private func makeTrap(_ info: kiln_trap_info) -> Trap {
        let kind = TrapKind(rawValue: UInt8(truncatingIfNeeded: info.kind)) ?? .unreachable
        if kind == .hostError, let pending = pendingHostError {
            pendingHostError = nil
            return pending
        }
        var name: String? = nil
        if let cookie = info.cookie {
            // SAFETY: the cookie is the Module that registered the code holding the PC. It
            // is alive: the code that just ran belongs to an instance the caller holds.
            let module = Unmanaged<Module>.fromOpaque(cookie).takeUnretainedValue()
            name = module.functionName(containing: info.pc)
        }
        return Trap(kind: kind, function: name)
    }
}
