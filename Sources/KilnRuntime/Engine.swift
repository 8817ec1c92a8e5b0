// Engine (process-wide configuration) and Store (per-thread execution context).
import CKilnRuntime
import KilnABI

/// Process-wide configuration shared by every module and store made with it; later the
/// home of the signature interner. Creating an engine installs Kiln's signal handlers
/// (once per process).
public final class Engine: Sendable {
    /// Stack bytes kept free below the wasm stack limit for signal handling and host
    /// functions (see docs/runtime.md, "Stack limit").
    public let stackHeadroom: Int

    public init(stackHeadroom: Int = 256 * 1024) {
        self.stackHeadroom = stackHeadroom
        let r = kiln_install_signal_handlers()
        precondition(r == 0, "Kiln cannot install its signal handlers: \(Errno(rawValue: r))")
    }
}

/// The unit of execution: owns the `VMStoreContext` (stack limit) shared by the vmctx of
/// every instance made in it. Use a store from one thread at a time (like Wasmtime's
/// `Store`); give each thread its own store to run one module concurrently.
public final class Store {
    public let engine: Engine
    /// The `VMStoreContext` block generated code reads through vmctx+16.
    let context: UnsafeMutableRawPointer
    /// Set by a host function that failed, read when the resulting `hostError` trap
    /// reaches the host (one thread at a time per store, so a plain field suffices).
    var pendingHostError: Trap?

    public init(engine: Engine) {
        self.engine = engine
        // SAFETY: 16 bytes, 16-aligned, freed in deinit; nothing else owns it.
        context = UnsafeMutableRawPointer.allocate(byteCount: VMStoreContext.size, alignment: 16)
        context.initializeMemory(as: UInt8.self, repeating: 0, count: VMStoreContext.size)
    }

    deinit { context.deallocate() }

    /// The stack limit generated code checks against; 0 while no wasm runs in this store.
    var stackLimit: UInt {
        get { context.load(fromByteOffset: VMStoreContext.stackLimit, as: UInt.self) }
        set { context.storeBytes(of: newValue, toByteOffset: VMStoreContext.stackLimit, as: UInt.self) }
    }
}
