import CKilnRuntime

/// The x86-64 instructions beyond the baseline that generated code uses (docs/abi.md,
/// "Target features"), and the check the loader makes before running an artifact: a CPU
/// without them would raise SIGILL in the middle of a call instead of refusing to load.
public enum X64CPUFeatures {
    /// One required feature: its name and where `cpuid` reports it.
    public struct Feature: Sendable, Equatable {
        public enum Register: Sendable { case leaf1ECX, leaf7EBX, extended1ECX }
        public let name: String
        public let register: Register
        public let bit: UInt32
    }

    /// SSE4.1 (`roundss`/`roundsd`), POPCNT, LZCNT (`clz`), BMI1 (`tzcnt`).
    public static let required: [Feature] = [
        Feature(name: "SSE4.1", register: .leaf1ECX, bit: 19),
        Feature(name: "POPCNT", register: .leaf1ECX, bit: 23),
        Feature(name: "LZCNT", register: .extended1ECX, bit: 5),
        Feature(name: "BMI1", register: .leaf7EBX, bit: 3),
    ]

    /// The required features this CPU lacks.
    public static func missingOnThisCPU() -> [Feature] { missing(in: kiln_cpuid()) }

    /// The loader's message for a CPU that lacks `missing`.
    public static func describe(missing: [Feature]) -> String {
        let names = { (fs: [Feature]) in fs.map { $0.name }.joined(separator: ", ") }
        return "x86-64 artifacts use \(names(required)); this CPU lacks \(names(missing))"
    }

    /// The required features the given `cpuid` registers do not report.
    public static func missing(in bits: kiln_cpuid_bits) -> [Feature] {
        required.filter { f in
            let value: UInt32
            switch f.register {
            case .leaf1ECX: value = bits.leaf1_ecx
            case .leaf7EBX: value = bits.leaf7_ebx
            case .extended1ECX: value = bits.ext1_ecx
            }
            return value & (1 << f.bit) == 0
        }
    }
}

/// The AArch64 features generated code uses (LLVM's `generic` AArch64 CPU and the
/// baseline tier: Armv8.0 with FP and Advanced SIMD), checked by the loader against
/// `getauxval(AT_HWCAP)` as the x86-64 loader checks `cpuid`.
public enum AArch64CPUFeatures {
    /// One required feature: its name and its `HWCAP_*` bit.
    public struct Feature: Sendable, Equatable {
        public let name: String
        public let bit: UInt64
    }

    /// `HWCAP_FP` and `HWCAP_ASIMD` (linux/arch/arm64/include/uapi/asm/hwcap.h).
    public static let required: [Feature] = [Feature(name: "FP", bit: 0), Feature(name: "ASIMD", bit: 1)]

    /// The required features this CPU lacks.
    public static func missingOnThisCPU() -> [Feature] { missing(in: kiln_hwcap()) }

    /// The required features `hwcap` does not report.
    public static func missing(in hwcap: UInt64) -> [Feature] { required.filter { hwcap & (1 << $0.bit) == 0 } }

    /// The loader's message for a CPU that lacks `missing`.
    public static func describe(missing: [Feature]) -> String {
        let names = { (fs: [Feature]) in fs.map { $0.name }.joined(separator: ", ") }
        return "AArch64 artifacts use \(names(required)); this CPU lacks \(names(missing))"
    }
}
