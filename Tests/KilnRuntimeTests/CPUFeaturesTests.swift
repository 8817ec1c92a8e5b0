import CKilnRuntime
import Testing

@testable import KilnRuntime

/// The loader's check that the CPU has the x86-64 features generated code uses.
@Suite struct CPUFeaturesTests {
    /// cpuid registers with every required bit set, optionally clearing one feature's.
    func bits(clearing name: String? = nil) -> kiln_cpuid_bits {
        var b = kiln_cpuid_bits(leaf1_ecx: 0, leaf7_ebx: 0, ext1_ecx: 0)
        for f in X64CPUFeatures.required where f.name != name {
            switch f.register {
            case .leaf1ECX: b.leaf1_ecx |= 1 << f.bit
            case .leaf7EBX: b.leaf7_ebx |= 1 << f.bit
            case .extended1ECX: b.ext1_ecx |= 1 << f.bit
            }
        }
        return b
    }

    @Test func eachMissingFeatureIsNamed() {
        #expect(X64CPUFeatures.missing(in: bits()).isEmpty)
        for f in X64CPUFeatures.required {
            #expect(X64CPUFeatures.missing(in: bits(clearing: f.name)) == [f])
        }
        let none = X64CPUFeatures.missing(in: kiln_cpuid_bits(leaf1_ecx: 0, leaf7_ebx: 0, ext1_ecx: 0))
        #expect(none.map { $0.name } == ["SSE4.1", "POPCNT", "LZCNT", "BMI1"])
        #expect(
            X64CPUFeatures.describe(missing: [X64CPUFeatures.required[2]])
                == "x86-64 artifacts use SSE4.1, POPCNT, LZCNT, BMI1; this CPU lacks LZCNT")
    }

    /// The bit positions match what this machine (which runs every other test) reports:
    /// an x86-64 CPU from 2013 or later has all four.
    @Test func thisMachineHasThem() {
        #if arch(x86_64)
            #expect(X64CPUFeatures.missingOnThisCPU().isEmpty)
        #endif
    }

    /// The AArch64 loader's check reads `AT_HWCAP`: FP and ASIMD, each named when missing.
    @Test func aarch64FeaturesAreNamed() {
        #expect(AArch64CPUFeatures.missing(in: 0b11).isEmpty)
        #expect(AArch64CPUFeatures.missing(in: 0b01).map(\.name) == ["ASIMD"])
        #expect(
            AArch64CPUFeatures.describe(missing: AArch64CPUFeatures.missing(in: 0))
                == "AArch64 artifacts use FP, ASIMD; this CPU lacks FP, ASIMD")
        #if arch(x86_64)
            #expect(kiln_hwcap() == 0)  // no AArch64 HWCAP on x86-64
        #endif
    }
}
