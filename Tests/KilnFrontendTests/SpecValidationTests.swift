import Foundation
import KilnFrontend
import Testing

/// The spec files whose modules the frontend must decode and validate (or reject) exactly.
let validationSpecFiles = """
    i32 i64 int_exprs f32 f64 float_exprs conversions const block loop if br br_if br_table return call \
    local_get local_set local_tee select nop unreachable labels switch stack fac forward global memory \
    memory_size address align endianness data load store start func traps left-to-right names custom \
    binary binary-leb128 type token comments utf8-custom-section-id utf8-import-field utf8-import-module \
    utf8-invalid-encoding call_indirect table_get table_set table_size table_grow table_fill table_copy \
    table_init elem bulk ref_func ref_is_null ref_null return_call return_call_indirect linking imports \
    exports unreached-invalid unreached-valid
    """.split(separator: " ").map(String.init)

@Suite struct SpecValidationTests {
    @Test(arguments: validationSpecFiles)
    func specFile(_ file: String) throws {
        let report = try SpecValidationRunner.run(file: file)
        print(report)
        for skip in report.skips { print("  skip \(skip)") }
        for mismatch in report.messageMismatches { print("  message \(mismatch)") }
        if ProcessInfo.processInfo.environment["KILN_SPEC_VERBOSE"] != nil {
            for r in report.rejectedByWAT { print("  wat \(r)") }
        }
        for failure in report.failures { Issue.record("\(failure)") }
    }
}
