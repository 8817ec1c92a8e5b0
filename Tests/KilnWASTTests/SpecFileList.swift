/// Named lists of spec files, relative to ../shared/spec.
enum SpecFileList {
    /// Issue 2's list: the MVP core the foundation must pass.
    static let foundation: [String] = [
        "core/i32.wast", "core/i64.wast", "core/int_exprs.wast", "core/int_literals.wast",
        "core/f32.wast", "core/f64.wast", "core/f32_bitwise.wast", "core/f64_bitwise.wast",
        "core/f32_cmp.wast", "core/f64_cmp.wast", "core/float_exprs.wast", "core/float_literals.wast",
        "core/float_memory.wast", "core/float_misc.wast", "core/conversions.wast", "core/const.wast",
        "core/block.wast", "core/loop.wast", "core/if.wast", "core/br.wast", "core/br_if.wast",
        "core/br_table.wast", "core/return.wast", "core/call.wast", "core/local_get.wast",
        "core/local_set.wast", "core/local_tee.wast", "core/select.wast", "core/nop.wast",
        "core/unreachable.wast", "core/unwind.wast", "core/labels.wast", "core/switch.wast",
        "core/stack.wast", "core/fac.wast", "core/forward.wast", "core/global.wast", "core/memory.wast",
        "core/memory_size.wast", "core/memory_redundancy.wast", "core/memory_trap.wast",
        "core/address.wast", "core/align.wast", "core/endianness.wast", "core/data.wast", "core/load.wast",
        "core/store.wast", "core/start.wast", "core/func.wast", "core/traps.wast",
        "core/left-to-right.wast", "core/names.wast", "core/custom.wast", "core/binary.wast",
        "core/binary-leb128.wast", "core/type.wast", "core/token.wast", "core/comments.wast",
        "core/skip-stack-guard-page.wast", "core/utf8-custom-section-id.wast",
        "core/utf8-import-field.wast", "core/utf8-import-module.wast",
        "core/utf8-invalid-encoding.wast", "spec-extra/memory_grow.wast",
    ]

    /// Issue 3's list: tables, reference types, bulk memory and tail calls, which must
    /// pass under every table-init strategy.
    static let tables: [String] = [
        "table", "table_get", "table_set", "table_size", "table_grow", "table_fill", "table_copy",
        "table_init", "table-sub", "call_indirect", "func_ptrs", "ref_func", "ref_is_null", "ref_null",
        "elem", "bulk", "linking", "imports", "exports", "return_call", "return_call_indirect",
    ].map { "core/\($0).wast" }
}
