import Foundation
import KilnCodegenX64
import KilnFrontend
import Testing

/// Compile throughput on a large generated module (MB of wasm per second). Opt-in:
/// `KILN_BENCH=1 swift test -c release --filter ThroughputBench`.
@Suite struct ThroughputBench {
    static func generate(functions: Int) -> String {
        var s = "(module (memory 1) (global $g (mut i64) (i64.const 0))\n"
        for f in 0..<functions {
            s += "(func $f\(f) (param $a i32) (param $b i64) (param $x f64) (result i64) (local $i i32) (local $t i64)\n"
            s += "  block $out loop $top\n"
            s += "    local.get $i local.get $a i32.ge_s br_if $out\n"
            for k in 0..<8 {
                s += "    local.get $b local.get $i i64.extend_i32_s i64.const \(k + 3) i64.mul i64.add i64.const \(k) i64.rotl local.set $b\n"
                s += "    local.get $i i32.const \(k * 4) i32.add local.get $b i64.store offset=\(k * 8)\n"
                s += "    local.get $t local.get $i i64.load offset=\(k * 8) i64.xor local.set $t\n"
                s += "    local.get $x f64.const \(k).5 f64.mul local.get $x f64.add local.set $x\n"
                s += "    local.get $i i32.const 7 i32.and i32.eqz if local.get $t i64.const 1 i64.shr_u local.set $t end\n"
            }
            s += "    local.get $i i32.const 1 i32.add local.set $i br $top\n"
            s += "  end end\n"
            if f > 0 { s += "  local.get $a i32.const 1 i32.sub local.get $b local.get $x call $f\(f - 1) drop\n" }
            s += "  local.get $b local.get $t i64.add local.get $x i64.trunc_sat_f64_s i64.add global.get $g i64.add)\n"
        }
        return s + ")"
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["KILN_BENCH"] == "1"))
    func compileThroughput() throws {
        let bytes = try assemble(text: Self.generate(functions: 3000))
        let module = try decodeModule(bytes)
        let backend = X64Backend()
        _ = try backend.compile(module)  // warm-up
        let runs = 5
        let start = DispatchTime.now().uptimeNanoseconds
        var textSize = 0
        for _ in 0..<runs { textSize = try backend.compile(module).text.count }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(runs)
        let mb = Double(bytes.count) / 1e6
        print("throughput: \(bytes.count) bytes of wasm, \(module.bodies.count) functions -> \(textSize) bytes of x86-64 in \(String(format: "%.1f", seconds * 1000)) ms: \(String(format: "%.1f", mb / seconds)) MB/s")
    }
}
