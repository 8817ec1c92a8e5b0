/// The instruction set an artifact's code is for. Recorded in the ELF header (`e_machine`)
/// and in the metadata; the loader refuses an artifact whose ISA is not the host's.
public enum TargetISA: UInt32, Sendable, CaseIterable {
    case x86_64 = 62  // EM_X86_64
    case aarch64 = 183  // EM_AARCH64

    /// The name users type (`--target x86_64`).
    public var name: String {
        switch self {
        case .x86_64: return "x86_64"
        case .aarch64: return "aarch64"
        }
    }

    public init?(name: String) {
        switch name {
        case "x86_64", "x86-64", "amd64": self = .x86_64
        case "aarch64", "arm64": self = .aarch64
        default: return nil
        }
    }

    /// The alignment of everything an artifact for this ISA maps page by page: `.text`,
    /// the memory image (in the file and in linear memory), table images and every
    /// `PT_LOAD` (`p_align`). 4 KiB on x86-64, whose kernels use 4 KiB pages; 64 KiB on
    /// AArch64, so an artifact maps straight from the file on 4, 16 and 64 KiB-page
    /// kernels alike (the largest granule AArch64 Linux uses). The loader still accepts
    /// any artifact aligned to at least 4 KiB: what the host cannot map it copies
    /// (docs/artifact-format.md, "Page size").
    public var artifactPageSize: Int {
        switch self {
        case .x86_64: return 4096
        case .aarch64: return 65536
        }
    }

    /// The ISA of the process running this code.
    public static var host: TargetISA {
        #if arch(x86_64)
            return .x86_64
        #else
            return .aarch64
        #endif
    }
}

/// The artifact/ABI version. Bumped whenever the metadata encoding, the vmctx layout,
/// the calling convention or a builtin's signature changes. See docs/artifact-format.md.
public enum ABIVersion {
    public static let current: UInt32 = 6
}

/// Names of the ELF sections a Kiln artifact carries. See docs/artifact-format.md.
public enum SectionName {
    /// Compiled wasm functions and per-module trampolines (R+X).
    public static let text = ".text"
    /// The metadata blob (``ArtifactMetadata``), read-only.
    public static let metadata = ".kiln.meta"
    /// The page-aligned linear-memory image of the active data segments.
    public static let memoryImage = ".kiln.memimg"
    /// The on-disk lazy funcrefs, one per defined function (docs/tables.md).
    public static let lazyFuncRefs = ".kiln.lazyfuncs"
    /// The page-aligned image of defined table `index` (index among defined tables).
    public static func tableImage(_ index: Int) -> String { "\(tableImagePrefix)\(index)" }
    public static let tableImagePrefix = ".kiln.table."
    /// The checksum of the sections the host trusts (``ArtifactChecksum``).
    public static let checksum = ".kiln.checksum"
}

/// Names of dynamic symbols every artifact defines besides its exported functions.
public enum SymbolName {
    /// Object symbol covering the metadata section.
    public static let metadata = "__kiln_metadata"
    /// Prefix of the symbol of each defined function that has no name in the name section.
    public static let anonymousFunctionPrefix = "wasm_function_"
}
