import KilnABI
import KilnCodegen
import KilnCodegenAArch64
import KilnCodegenX64
import KilnELF
import KilnFrontend
#if KILN_LLVM
import KilnCodegenLLVM
#endif

/// Which code generator compiles the functions (docs/codegen.md). Both produce the same
/// artifact format and ABI, so their artifacts link with each other.
public enum CompilerTier: String, Sendable, CaseIterable {
    /// Through LLVM's optimizer: slower to compile, near-native code.
    case optimizing
    /// Kiln's single-pass code generator: fast to compile.
    case baseline

    /// The tier used when none is named: the optimizing tier, as `wasmtime compile` uses
    /// its optimizer, where this build has it (LLVM was installed when Kiln was built);
    /// the baseline otherwise.
    public static var `default`: CompilerTier { Compiler.hasOptimizingTier ? .optimizing : .baseline }
}

/// Options of one compilation.
public struct CompileOptions: Sendable {
    public var target: TargetISA
    /// `DT_SONAME` of the artifact.
    public var soname: String
    /// How funcref tables with initializers are set up (docs/tables.md).
    public var tableInit: TableInitStrategy
    public var tier: CompilerTier
    /// The page size the artifact is laid out for; nil (the default) means the target's
    /// ``TargetISA/artifactPageSize``. Tests set it to make, say, a 64 KiB-aligned x86-64
    /// artifact and check the loader maps it on a 4 KiB-page host.
    package var pageSize: Int? = nil
    /// The page size the layout uses.
    var effectivePageSize: Int { pageSize ?? target.artifactPageSize }
    public init(
        target: TargetISA = .host, soname: String = "module.so", tableInit: TableInitStrategy = .image,
        tier: CompilerTier = .default
    ) {
        self.target = target
        self.soname = soname
        self.tableInit = tableInit
        self.tier = tier
    }
}

/// A compiled artifact: the bytes of the ELF shared object and what went into it.
public struct Artifact: Sendable {
    public var bytes: [UInt8]
    public var metadata: ArtifactMetadata
    public var module: WasmModule
}

/// Why `compile` failed, by stage.
public enum CompilerError: Error, Sendable, CustomStringConvertible {
    /// The input is malformed or invalid wasm (or text that does not assemble).
    case module(ModuleError)
    /// The module uses features Kiln does not implement yet (named).
    case unsupportedFeatures([WasmFeature])
    /// The backend could not compile a function.
    case codegen(CompileError)
    /// Writing the ELF file failed.
    case elf(String)

    public var description: String {
        switch self {
        case .module(let e): return e.description
        case .unsupportedFeatures(let f): return "unsupported: module needs \(f.map(\.rawValue).joined(separator: ", "))"
        case .codegen(let e): return e.description
        case .elf(let m): return "ELF writer: \(m)"
        }
    }
}

/// The compiler facade: wasm bytes in, artifact out. The one place that picks the ISA.
public enum Compiler {
    /// Features this build of Kiln compiles. Modules that use anything else are refused
    /// with the feature named (``CompilerError/unsupportedFeatures(_:)``).
    public static let supportedFeatures: Set<WasmFeature> = [
        .extendedConst, .tables, .referenceTypes, .bulkMemory, .tailCall,
    ]

    /// Whether this build includes the optimizing tier (LLVM was installed when it was built).
    public static var hasOptimizingTier: Bool {
        #if KILN_LLVM
        return true
        #else
        return false
        #endif
    }

    /// Features `module` uses that this build does not support.
    public static func missingFeatures(of module: WasmModule) -> [WasmFeature] {
        module.usedFeatures.subtracting(supportedFeatures).sorted()
    }

    /// Decodes and validates `wasm`, then compiles it.
    public static func compile(wasm: [UInt8], options: CompileOptions = CompileOptions()) throws(CompilerError) -> Artifact {
        let module: WasmModule
        do {
            module = try decodeModule(wasm)
        } catch {
            throw .module(error)
        }
        return try compile(module: module, options: options)
    }

    /// Compiles an already validated module.
    public static func compile(module: WasmModule, options: CompileOptions = CompileOptions()) throws(CompilerError) -> Artifact {
        let missing = missingFeatures(of: module)
        guard missing.isEmpty else { throw .unsupportedFeatures(missing) }
        let code: CompiledCode
        do throws(CompileError) {
            switch (options.target, options.tier) {
            case (_, .optimizing):
                #if KILN_LLVM
                code = try OptimizingBackend(target: options.target, tableInit: options.tableInit).compile(module)
                #else
                throw CompileError.unsupported("the optimizing tier (this build of Kiln has no LLVM)")
                #endif
            case (.x86_64, .baseline): code = try X64Backend(tableInit: options.tableInit).compile(module)
            case (.aarch64, .baseline): code = try AArch64Backend(tableInit: options.tableInit).compile(module)
            }
        } catch {
            throw .codegen(error)
        }
        var metadata = try MetadataBuilder(module: module, code: code, target: options.target).build()
        metadata.tableInit = options.tableInit
        metadata.codeTier = options.tier == .optimizing ? .optimizing : .baseline
        let memoryImage = MemoryImageBuilder.build(module: module, metadata: &metadata, pageSize: options.effectivePageSize)
        let tableImages = TableImageBuilder.build(module: module, metadata: &metadata)
        let image = ArtifactLayout.elfImage(
            module: module, code: code, metadata: metadata, memoryImage: memoryImage, tableImages: tableImages,
            options: options)
        do {
            let bytes = try writeSharedObject(image)
            return Artifact(bytes: bytes, metadata: metadata, module: module)
        } catch {
            throw .elf(String(describing: error))
        }
    }
}
