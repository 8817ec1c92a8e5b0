import KilnCodegen

/// The x86-64 baseline backend: the shared module driver over ``X64MacroAssembler``.
public typealias X64Backend = BaselineBackend<X64MacroAssembler>
