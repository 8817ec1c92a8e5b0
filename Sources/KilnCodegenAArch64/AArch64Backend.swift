import KilnCodegen

/// The AArch64 baseline backend: the shared module driver over
/// ``AArch64MacroAssembler``, the sibling of the x86-64 one.
public typealias AArch64Backend = BaselineBackend<AArch64MacroAssembler>
