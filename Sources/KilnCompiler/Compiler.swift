import KilnABI
import KilnCodegen
import KilnCodegenX64
import KilnELF
import KilnFrontend

/// Options of one compilation.
public struct CompileOptions: Sendable {
    public var target: TargetISA
    /// `DT_SONAME` of the artifact.
    public var soname: String
    /// How funcref tables with initializers are set up (docs/tables.md).
    public var tableInit: TableInitStrategy
    public init(target: TargetISA = .host, soname: String = "module.so", tableInit: TableInitStrategy = .image) {
        self.target = target
        self.soname = soname
        self.tableInit = tableInit
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
            switch options.target {
            case .x86_64: code = try X64Backend(tableInit: options.tableInit).compile(module)
            case .aarch64: throw CompileError.unsupported("the aarch64 target (not built yet)")
            }
        } catch {
            throw .codegen(error)
        }
        var metadata = try MetadataBuilder(module: module, code: code, target: options.target).build()
        metadata.tableInit = options.tableInit
        let memoryImage = MemoryImageBuilder.build(module: module, metadata: &metadata)
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
