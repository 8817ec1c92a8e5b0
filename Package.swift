// swift-tools-version:6.0
// Kiln: an ahead-of-time WebAssembly compiler producing ELF shared objects, and the
// runtime that loads them. The targets follow the pipeline; the allowed imports of each
// are written down here and nowhere else:
//
//   KilnABI (leaf)  AsmX64 (leaf)  AsmAArch64 (leaf)
//   KilnFrontend   <- WasmParser, WAT, KilnABI          decode + validate
//   KilnCodegen    <- KilnFrontend, KilnABI, WasmParser target-independent lowering
//   KilnCodegenX64 <- KilnCodegen, AsmX64, KilnABI      x86-64 MacroAssembler + trampolines
//   KilnCodegenAArch64 <- KilnCodegen, AsmAArch64, KilnABI   AArch64 calling convention and
//                     MacroAssembler, AArch64Backend (the baseline tier for aarch64)
//   KilnCodegenLLVM <- KilnCodegen, KilnCodegenX64, CLLVM, KilnABI   the optimizing tier:
//                     wasm -> LLVM IR -> O2 -> object code placed into Kiln's layout
//                     (built only where LLVM 19's C API is installed: see `llvmInstalled`)
//   KilnELF        <- CLibELF                           ELF writer (no wasm knowledge)
//   KilnCompiler   <- all of the above                  the facade
//   KilnRuntime    <- KilnABI, CKilnRuntime             never imports a compiler target
//   KilnWASI       <- KilnRuntime, KilnABI, WASI (+ its WasmTypes)  WASI preview1 over WasmKit's WASI module
//   KilnWAST       <- KilnCompiler, KilnFrontend, KilnRuntime, WAT   the .wast runner
//   KilnInspect    <- KilnRuntime, KilnABI              what `kiln inspect` reports
//   kiln (KilnCLI) <- KilnWAST, KilnWASI, KilnInspect, ArgumentParser   argument parsing only
//   KilnFuzz       <- KilnCompiler, KilnRuntime, KilnFrontend, KilnInspect, KilnABI,
//                     WasmKit (the reference interpreter), WasmParser, WAT   the fuzzers of issue 8
//   kiln-fuzz (KilnFuzzCLI) <- KilnFuzz, ArgumentParser   argument parsing only
import Foundation
import PackageDescription

let settings: [SwiftSetting] = [.swiftLanguageMode(.v5)]

/// The optimizing tier needs LLVM 19's C API (Debian's llvm-19-dev, which `make build`
/// installs). Without it Kiln still builds, with the baseline tier only.
let llvmPrefix = "/usr/lib/llvm-19"
let llvmInstalled = FileManager.default.fileExists(atPath: llvmPrefix + "/include/llvm-c/Core.h")
let llvmTargets: [Target] =
    llvmInstalled
    ? [
        .systemLibrary(name: "CLLVM", path: "Sources/CLLVM"),
        .target(
            name: "KilnCodegenLLVM",
            dependencies: ["KilnABI", "KilnFrontend", "KilnCodegen", "KilnCodegenX64", "KilnCodegenAArch64", "CLLVM",
                           .product(name: "WasmParser", package: "WasmKit")],
            swiftSettings: settings + [.unsafeFlags(["-Xcc", "-I" + llvmPrefix + "/include"])],
            linkerSettings: [.unsafeFlags(["-L" + llvmPrefix + "/lib"])]),
    ] : []
let compilerTiers: [Target.Dependency] = llvmInstalled ? ["KilnCodegenLLVM"] : []
let compilerDefines: [SwiftSetting] = llvmInstalled ? [.define("KILN_LLVM")] : []

let package = Package(
    name: "Kiln",
    products: [
        .executable(name: "kiln", targets: ["KilnCLI"]),
        .executable(name: "kiln-example-host", targets: ["KilnExampleHost"]),
        .executable(name: "kiln-fuzz", targets: ["KilnFuzzCLI"]),
        .library(name: "KilnCompiler", targets: ["KilnCompiler"]),
        .library(name: "KilnRuntime", targets: ["KilnRuntime"]),
        .library(name: "KilnWASI", targets: ["KilnWASI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/swiftwasm/WasmKit", exact: "0.4.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
    ],
    targets: llvmTargets + [
        .target(name: "KilnABI", swiftSettings: settings),
        .target(name: "AsmX64", swiftSettings: settings),
        .target(name: "AsmAArch64", swiftSettings: settings),
        .target(
            name: "KilnFrontend",
            dependencies: [
                "KilnABI",
                .product(name: "WasmParser", package: "WasmKit"),
                .product(name: "WAT", package: "WasmKit"),
            ],
            swiftSettings: settings),
        .target(
            name: "KilnCodegen",
            dependencies: ["KilnABI", "KilnFrontend", .product(name: "WasmParser", package: "WasmKit")],
            swiftSettings: settings),
        .target(
            name: "KilnCodegenX64",
            dependencies: ["KilnABI", "KilnCodegen", "AsmX64", .product(name: "WasmParser", package: "WasmKit")],
            swiftSettings: settings),
        .target(
            name: "KilnCodegenAArch64",
            dependencies: ["KilnABI", "KilnCodegen", "AsmAArch64"],
            swiftSettings: settings),
        .systemLibrary(
            name: "CLibELF", pkgConfig: "libelf",
            providers: [.apt(["libelf-dev"])]),
        .target(name: "KilnELF", dependencies: ["CLibELF"], swiftSettings: settings),
        .target(
            name: "KilnCompiler",
            dependencies: [
                "KilnABI", "KilnFrontend", "KilnCodegen", "KilnCodegenX64", "KilnCodegenAArch64", "KilnELF",
                .product(name: "WasmParser", package: "WasmKit"),
            ] + compilerTiers,
            swiftSettings: settings + compilerDefines),
        .target(name: "CKilnRuntime"),
        .target(name: "KilnRuntime", dependencies: ["KilnABI", "CKilnRuntime"], swiftSettings: settings),
        .target(
            name: "KilnWASI",
            dependencies: ["KilnABI", "KilnRuntime", .product(name: "WASI", package: "WasmKit")],
            swiftSettings: settings),
        .target(
            name: "KilnWAST",
            dependencies: [
                "KilnCompiler", "KilnFrontend", "KilnRuntime",
                .product(name: "WAT", package: "WasmKit"),
                .product(name: "WasmParser", package: "WasmKit"),
            ],
            swiftSettings: settings),
        .target(name: "KilnInspect", dependencies: ["KilnABI", "KilnRuntime"], swiftSettings: settings),
        .executableTarget(
            name: "KilnCLI",
            dependencies: [
                "KilnCompiler", "KilnRuntime", "KilnWAST", "KilnWASI", "KilnInspect",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: settings),
        .target(
            name: "KilnFuzz",
            dependencies: [
                "KilnABI", "KilnFrontend", "KilnCompiler", "KilnRuntime", "KilnInspect",
                .product(name: "WasmKit", package: "WasmKit"),
                .product(name: "WasmParser", package: "WasmKit"),
                .product(name: "WAT", package: "WasmKit"),
            ],
            swiftSettings: settings),
        .executableTarget(
            name: "KilnFuzzCLI",
            dependencies: ["KilnFuzz", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: settings),
        .executableTarget(name: "KilnExampleHost", dependencies: ["KilnRuntime", "KilnWASI"], swiftSettings: settings),

        .testTarget(name: "KilnABITests", dependencies: ["KilnABI", "KilnRuntime"], swiftSettings: settings),
        .testTarget(name: "AsmX64Tests", dependencies: ["AsmX64"], swiftSettings: settings),
        .testTarget(name: "AsmAArch64Tests", dependencies: ["AsmAArch64"], swiftSettings: settings),
        .testTarget(
            name: "KilnCodegenX64Tests",
            dependencies: ["KilnCodegenX64", "KilnFrontend", .product(name: "WAT", package: "WasmKit")],
            swiftSettings: settings),
        .testTarget(
            name: "KilnCodegenAArch64Tests",
            dependencies: [
                "KilnCodegenAArch64", "KilnCodegen", "KilnABI", "AsmAArch64", "KilnFrontend",
                .product(name: "WAT", package: "WasmKit"),
            ],
            swiftSettings: settings),
        .testTarget(name: "KilnFrontendTests", dependencies: ["KilnFrontend", .product(name: "WAT", package: "WasmKit")], swiftSettings: settings),
        .testTarget(name: "KilnELFTests", dependencies: ["KilnELF"], swiftSettings: settings),
        .testTarget(name: "KilnCompilerTests", dependencies: ["KilnCompiler", "KilnRuntime", .product(name: "WAT", package: "WasmKit")], swiftSettings: settings),
        .testTarget(name: "KilnRuntimeTests", dependencies: ["KilnRuntime", "KilnCompiler", .product(name: "WAT", package: "WasmKit")], swiftSettings: settings),
        .testTarget(name: "KilnWASTTests", dependencies: ["KilnWAST", "KilnRuntime", "KilnCompiler", "KilnFuzz"], swiftSettings: settings),
        .testTarget(name: "KilnFuzzTests", dependencies: ["KilnFuzz"], swiftSettings: settings),
        .testTarget(
            name: "KilnWASITests",
            dependencies: [
                "KilnWASI", "KilnRuntime", "KilnCompiler", "KilnABI", .product(name: "WASI", package: "WasmKit"),
                .product(name: "WAT", package: "WasmKit"),
            ],
            swiftSettings: settings),
        .testTarget(
            name: "OptimizingTierTests",
            dependencies: [
                "KilnCompiler", "KilnRuntime", "KilnFrontend", "KilnABI", "KilnCodegen",
                .product(name: "WAT", package: "WasmKit"),
            ], swiftSettings: settings),
        .testTarget(
            name: "KilnBenchWorkloadTests", dependencies: ["KilnCompiler", "KilnRuntime"], swiftSettings: settings),
    ]
)
