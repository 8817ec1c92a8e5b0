import Foundation
import Testing

/// Checks the facts docs/abi.md ("What `llc` showed on AArch64") records about LLVM 19's
/// `swifttailcc` and `swiftcc` on AArch64 against `llc` itself, as
/// ``SwiftTailConventionTests`` does for x86-64: the AArch64 baseline and the optimizing
/// tier meet through exactly these facts. Skipped when `llc-19` is not installed.
@Suite struct AArch64SwiftTailConventionTests {
    static let triple = "aarch64-unknown-linux-gnu"

    /// The instructions of `name` in the AArch64 assembly of `ir` (comments dropped), or
    /// nil without llc.
    static func body(_ ir: String, _ name: String) throws -> [String]? {
        guard let asm = try SwiftTailConventionTests.assemble(ir, triple: triple) else { return nil }
        var lines: [String] = []
        var inside = false
        for line in asm.split(separator: "\n") {
            if line.hasPrefix("\(name):") {
                inside = true
            } else if inside {
                if line.hasPrefix(".Lfunc_end") { break }
                var t = Substring(line)
                if let comment = t.range(of: "//") { t = t[..<comment.lowerBound] }
                let text = t.replacingOccurrences(of: "\t", with: " ").trimmingCharacters(in: .whitespaces)
                if !text.isEmpty, !text.hasPrefix("."), !text.hasSuffix(":") { lines.append(text) }
            }
        }
        return lines
    }

    /// `count` LLVM parameters `ty %<prefix>0`, ... (comma-separated).
    static func parameters(_ ty: String, _ prefix: String, _ count: Int) -> String {
        (0..<count).map { "\(ty) %\(prefix)\($0)" }.joined(separator: ", ")
    }

    /// The registers a function saves: the register operands of its `stp`/`str` to sp
    /// before the first instruction that is not a save or the frame-pointer set-up.
    static func savedRegisters(_ body: [String]) -> Set<String> {
        var saved = Set<String>()
        for line in body {
            guard line.hasPrefix("stp ") || line.hasPrefix("str "), line.contains("[sp") else {
                if line == "mov x29, sp" { continue }
                break
            }
            let operands = line.dropFirst(4).split(separator: "[")[0].split(separator: ",")
            for r in operands {
                let name = r.trimmingCharacters(in: .whitespaces)
                if !name.isEmpty { saved.insert(name) }
            }
        }
        return saved
    }

    /// The vmctx (`swiftself`) arrives in x20 and the slot address (`nest`) in x18, and a
    /// `musttail` call passes them on.
    @Test func vmctxInX20SlotInX18() throws {
        let ir = """
            declare swifttailcc i64 @g(ptr swiftself, ptr nest, i64)
            define swifttailcc i64 @f(ptr swiftself %c, ptr nest %s, i64 %x) {
              %v = load i64, ptr %c
              %w = load i64, ptr %s
              %y = add i64 %v, %w
              %r = musttail call swifttailcc i64 @g(ptr swiftself %s, ptr nest %c, i64 %y)
              ret i64 %r
            }
            """
        guard let body = try Self.body(ir, "f") else { return }
        let text = body.joined(separator: "\n")
        #expect(text.contains("[x20]"), "\(text)")
        #expect(text.contains("[x18]"), "\(text)")
        #expect(text.contains("mov x20, x18"), "\(text)")
        #expect(body.last == "b g", "\(text)")
    }

    /// Integer-class parameter k (k < 8) in xk, float parameter k in dk; the ninth of a
    /// class on the stack, in parameter order, the first at the entry sp.
    @Test(arguments: 0..<9)
    func parameterRegisters(_ k: Int) throws {
        let params = Self.parameters("i64", "a", 9) + ", " + Self.parameters("double", "d", 9)
        let ir = """
            define swifttailcc i64 @i(ptr swiftself %c, ptr nest %s, \(params)) { ret i64 %a\(k) }
            define swifttailcc double @d(ptr swiftself %c, ptr nest %s, \(params)) { ret double %d\(k) }
            """
        guard let ints = try Self.body(ir, "i"), let floats = try Self.body(ir, "d") else { return }
        switch k {
        case 0:
            #expect(!ints.contains { $0.hasPrefix("mov x0") || $0.hasPrefix("ldr") }, "\(ints)")
            #expect(!floats.contains { $0.hasPrefix("fmov d0") || $0.hasPrefix("ldr") }, "\(floats)")
        case 1..<8:
            #expect(ints.contains("mov x0, x\(k)"), "\(ints)")
            #expect(floats.contains("fmov d0, d\(k)"), "\(floats)")
        default:
            // Stack slot 0 is the ninth integer, slot 1 the ninth double.
            #expect(ints.contains { $0.hasPrefix("ldr x0, [sp]") }, "\(ints)")
            #expect(floats.contains("ldr d0, [sp, #8]"), "\(floats)")
        }
    }

    /// Stack arguments of both classes share one sequence of 8-byte slots in parameter
    /// order; an f32 is in the low 4 bytes of its slot.
    @Test func stackArgumentsInParameterOrder() throws {
        // b7 is the ninth integer-class parameter (slot 0); d0-d6 and the double before
        // them fill d0-d7, so d7 is in slot 1.
        let mixed = "ptr swiftself %c, ptr nest %s, i64 %a0, double %x0, "
            + Self.parameters("i64", "b", 8) + ", " + Self.parameters("double", "d", 8)
        let floats = "ptr swiftself %c, ptr nest %s, " + Self.parameters("float", "f", 10)
        let ir = """
            define swifttailcc i64 @int(\(mixed)) { ret i64 %b7 }
            define swifttailcc double @double(\(mixed)) { ret double %d7 }
            define swifttailcc float @f8(\(floats)) { ret float %f8 }
            define swifttailcc float @f9(\(floats)) { ret float %f9 }
            """
        guard let int = try Self.body(ir, "int"), let double = try Self.body(ir, "double"),
            let f8 = try Self.body(ir, "f8"), let f9 = try Self.body(ir, "f9")
        else { return }
        #expect(int.first?.hasPrefix("ldr x0, [sp]") == true, "\(int)")
        #expect(double.first == "ldr d0, [sp, #8]", "\(double)")
        #expect(f8.first?.hasPrefix("ldr s0, [sp]") == true, "\(f8)")
        #expect(f9.first == "ldr s0, [sp, #8]", "\(f9)")
    }

    /// The callee pops its stack arguments rounded up to 16 bytes, nothing without any:
    /// `8 * roundUpToEven(stackArguments)`.
    @Test(arguments: 0...5)
    func calleePopsAnEvenArgumentArea(_ stackArguments: Int) throws {
        let ir = """
            define swifttailcc i64 @f(ptr swiftself %c, ptr nest %s, \(Self.parameters("i64", "a", 8 + stackArguments))) {
              ret i64 %a\(7 + stackArguments)
            }
            """
        guard let body = try Self.body(ir, "f") else { return }
        let area = 8 * (stackArguments + stackArguments % 2)
        #expect(body.last == "ret", "\(body)")
        if area == 0 {
            #expect(!body.contains { $0.contains("sp") }, "\(body)")
        } else {
            #expect(body.contains { $0 == "add sp, sp, #\(area)" || $0.hasSuffix("[sp], #\(area)") }, "\(body)")
        }
    }

    /// A caller re-reserves, after the call, the area the callee popped.
    @Test(arguments: [0, 1, 2, 3])
    func callerReReservesThePoppedArea(_ stackArguments: Int) throws {
        let count = 8 + stackArguments
        let types = (["ptr swiftself", "ptr nest"] + Array(repeating: "i64", count: count)).joined(separator: ", ")
        let args = (["ptr swiftself %c", "ptr nest %s"] + (0..<count).map { "i64 \($0)" }).joined(separator: ", ")
        let ir = """
            declare swifttailcc i64 @g(\(types))
            define swifttailcc i64 @f(ptr swiftself %c, ptr nest %s) {
              %r = call swifttailcc i64 @g(\(args))
              %q = add i64 %r, 1
              ret i64 %q
            }
            """
        guard let body = try Self.body(ir, "f"), let call = body.firstIndex(of: "bl g") else {
            return
        }
        let area = 8 * (stackArguments + stackArguments % 2)
        if area == 0 {
            #expect(!body.contains { $0.hasPrefix("sub sp") }, "\(body)")
        } else {
            #expect(body[call + 1] == "sub sp, sp, #\(area)", "\(body)")
        }
    }

    /// `musttail` keeps the top of the argument area where the first caller put it: sp
    /// moves down for more stack arguments, up for fewer; no return address moves.
    @Test func tailCallsMoveOnlySP() throws {
        func sig(_ n: Int) -> String {
            (["ptr swiftself", "ptr nest"] + Array(repeating: "i64", count: 8 + n)).joined(separator: ", ")
        }
        func params(_ n: Int) -> String { "ptr swiftself %c, ptr nest %s, " + Self.parameters("i64", "a", 8 + n) }
        func args(_ n: Int) -> String {
            "ptr swiftself %c, ptr nest %s, " + (0..<(8 + n)).map { "i64 %a\($0 % 8)" }.joined(separator: ", ")
        }
        let ir = """
            declare swifttailcc i64 @g0(\(sig(0)))
            declare swifttailcc i64 @g1(\(sig(1)))
            declare swifttailcc i64 @g3(\(sig(3)))
            define swifttailcc i64 @t03(\(params(0))) {
              %r = musttail call swifttailcc i64 @g3(\(args(3)))
              ret i64 %r
            }
            define swifttailcc i64 @t30(\(params(3))) {
              %r = musttail call swifttailcc i64 @g0(\(args(0)))
              ret i64 %r
            }
            define swifttailcc i64 @t31(\(params(3))) {
              %r = musttail call swifttailcc i64 @g1(ptr swiftself %c, ptr nest %s, \
            i64 %a0, i64 %a1, i64 %a2, i64 %a3, i64 %a4, i64 %a5, i64 %a6, i64 %a7, i64 %a10)
              ret i64 %r
            }
            """
        guard let t03 = try Self.body(ir, "t03"), let t30 = try Self.body(ir, "t30"),
            let t31 = try Self.body(ir, "t31")
        else { return }
        #expect(t03.first == "sub sp, sp, #32" && t03.last == "b g3", "\(t03)")
        #expect(t03.joined(separator: "\n").contains("[sp, #8]"), "\(t03)")
        #expect(t30 == ["add sp, sp, #32", "b g0"], "\(t30)")
        #expect(t31.contains { $0.hasSuffix("[sp, #16]!") } && t31.last == "b g1", "\(t31)")
    }

    /// Four integer results in x0-x3 and four floats in d0-d3, each class in order.
    @Test func resultRegisters() throws {
        let ir = """
            define swifttailcc {i64, double, i64, double, i64, double, i64, double} @f(ptr swiftself %c, ptr nest %s) {
              ret {i64, double, i64, double, i64, double, i64, double} {i64 1, double 1.0, i64 2, double 2.0, i64 3, double 3.0, i64 4, double 4.0}
            }
            """
        guard let body = try Self.body(ir, "f") else { return }
        for k in 0..<4 {
            #expect(body.contains("mov w\(k), #\(k + 1)"), "\(body)")
            #expect(body.contains { $0.hasPrefix("fmov d\(k), #\(k + 1).0") }, "\(body)")
        }
    }

    /// LLVM returns up to eight of a class in registers (x0-x7) and demotes the ninth to
    /// a hidden `sret` in x8, result k at `[x8, #8k]`. Kiln decides at four itself.
    @Test func llvmDemotesAtTheNinthResult() throws {
        let eight = (0..<8).map { "i64 \($0 + 1)" }.joined(separator: ", ")
        let nine = (0..<9).map { "i64 \($0 + 1)" }.joined(separator: ", ")
        let t8 = "{" + Array(repeating: "i64", count: 8).joined(separator: ", ") + "}"
        let t9 = "{" + Array(repeating: "i64", count: 9).joined(separator: ", ") + "}"
        let ir = """
            define swifttailcc \(t8) @e(ptr swiftself %c, ptr nest %s) { ret \(t8) {\(eight)} }
            define swifttailcc \(t9) @n(ptr swiftself %c, ptr nest %s) { ret \(t9) {\(nine)} }
            """
        guard let e = try Self.body(ir, "e"), let n = try Self.body(ir, "n") else { return }
        for k in 0..<8 { #expect(e.contains("mov w\(k), #\(k + 1)"), "\(e)") }
        let stores = n.filter { $0.hasPrefix("st") }
        #expect(!stores.isEmpty && stores.allSatisfy { $0.contains("[x8") }, "\(n)")
        #expect(stores.contains { $0.hasSuffix("[x8, #56]") || $0.hasSuffix("[x8, #64]") }, "\(n)")
    }

    /// An explicit `sret` arrives in x8 without taking x0; the callee does not return it
    /// (in x0 or x8); a caller passes its buffer in x8; `musttail` passes it on untouched.
    @Test func explicitSretInX8() throws {
        let ir = """
            define swifttailcc void @callee(ptr sret([6 x i64]) %r, ptr swiftself %c, ptr nest %s, \(Self.parameters("i64", "a", 10))) {
              store i64 %a0, ptr %r
              %p = getelementptr i64, ptr %r, i64 5
              store i64 %a9, ptr %p
              ret void
            }
            declare swifttailcc void @sink(ptr sret([6 x i64]), ptr swiftself, ptr nest, i64)
            define swifttailcc i64 @caller(ptr swiftself %c, ptr nest %s) {
              %b = alloca [6 x i64]
              call swifttailcc void @sink(ptr sret([6 x i64]) %b, ptr swiftself %c, ptr nest %s, i64 7)
              %v = load i64, ptr %b
              ret i64 %v
            }
            define swifttailcc void @pass(ptr sret([6 x i64]) %r, ptr swiftself %c, ptr nest %s, i64 %x) {
              musttail call swifttailcc void @sink(ptr sret([6 x i64]) %r, ptr swiftself %c, ptr nest %s, i64 %x)
              ret void
            }
            """
        guard let callee = try Self.body(ir, "callee"), let caller = try Self.body(ir, "caller"),
            let pass = try Self.body(ir, "pass")
        else { return }
        #expect(callee.contains("str x0, [x8]"), "\(callee)")
        // Ten i64 with sret: eight in x0-x7, the tenth in stack slot 1.
        #expect(callee.contains { $0.hasPrefix("ldr") && $0.hasSuffix("[sp, #8]") }, "\(callee)")
        #expect(!callee.contains { $0.hasPrefix("mov x0") || $0.hasPrefix("mov x8") }, "\(callee)")
        #expect(caller.contains("mov x8, sp") && caller.contains("mov w0, #7"), "\(caller)")
        #expect(pass == ["b sink"], "\(pass)")
    }

    /// `swifttailcc` saves x19, x21, x23-x28 and d8-d15: neither x20 (`swiftself`) nor x22.
    /// `swiftcc` saves all of AAPCS64's x19-x28.
    @Test func calleeSavedRegisters() throws {
        let clobbers = ((19...28).map { "~{x\($0)}" } + (8...15).map { "~{d\($0)}" }).joined(separator: ",")
        let ir = """
            define swifttailcc i64 @tail(ptr swiftself %c, ptr nest %s) {
              call void asm sideeffect "", "\(clobbers)"()
              ret i64 0
            }
            define swiftcc i64 @internalCC(ptr swiftself %c, ptr nest %s) {
              call void asm sideeffect "", "\(clobbers)"()
              ret i64 0
            }
            define swifttailcc i64 @temporaries(ptr swiftself %c, ptr nest %s) {
              call void asm sideeffect "", "~{x9},~{x15},~{x16},~{x17},~{x18}"()
              ret i64 0
            }
            """
        guard let tail = try Self.body(ir, "tail"), let internalCC = try Self.body(ir, "internalCC"),
            let temporaries = try Self.body(ir, "temporaries")
        else { return }
        let floats = Set((8...15).map { "d\($0)" })
        let tailGPRs: [Int] = [19, 21, 23, 24, 25, 26, 27, 28]
        #expect(Self.savedRegisters(tail) == Set(tailGPRs.map { "x\($0)" }).union(floats), "\(tail)")
        #expect(Self.savedRegisters(internalCC) == Set((19...28).map { "x\($0)" }).union(floats), "\(internalCC)")
        #expect(temporaries == ["mov x0, xzr", "ret"], "\(temporaries)")
    }

    /// After a `swifttailcc` call x20 and x18 are whatever the callee left: a function that
    /// calls twice keeps them elsewhere and re-materializes both before the second call.
    /// Under `swiftcc` x20 survives and only x18 is re-materialized.
    @Test func vmctxIsNotPreservedAcrossCalls() throws {
        func twice(_ cc: String) -> String {
            """
            declare \(cc) i64 @g_\(cc)(ptr swiftself, ptr nest, i64)
            define \(cc) i64 @f_\(cc)(ptr swiftself %c, ptr nest %s, i64 %x) {
              %r = call \(cc) i64 @g_\(cc)(ptr swiftself %c, ptr nest %s, i64 %x)
              %r2 = call \(cc) i64 @g_\(cc)(ptr swiftself %c, ptr nest %s, i64 %r)
              %y = add i64 %r2, 1
              ret i64 %y
            }

            """
        }
        let ir = twice("swifttailcc") + twice("swiftcc")
        guard let tail = try Self.body(ir, "f_swifttailcc"), let internalCC = try Self.body(ir, "f_swiftcc") else {
            return
        }
        func between(_ body: [String]) -> ArraySlice<String> {
            let calls = body.indices.filter { body[$0].hasPrefix("bl ") }
            guard calls.count == 2 else { return [] }
            return body[(calls[0] + 1)..<calls[1]]
        }
        #expect(between(tail).contains { $0.hasPrefix("mov x20, ") }, "\(tail)")
        #expect(between(tail).contains { $0.hasPrefix("mov x18, ") }, "\(tail)")
        #expect(!internalCC.contains { $0.hasPrefix("mov x20, ") }, "\(internalCC)")
        #expect(between(internalCC).contains { $0.hasPrefix("mov x18, ") }, "\(internalCC)")
    }

    /// With frame pointers: a frame record `stp x29, x30, [sp, #-16]!; mov x29, sp`, and no
    /// Swift async frame (`orr x29, x29, #0x1000000000000000`), leaf or not.
    @Test func frameRecord() throws {
        let ir = """
            declare swifttailcc i64 @g(ptr swiftself, ptr nest, i64)
            define swifttailcc i64 @f(ptr swiftself %c, ptr nest %s, i64 %x) "frame-pointer"="all" {
              %r = call swifttailcc i64 @g(ptr swiftself %c, ptr nest %s, i64 %x)
              %y = add i64 %r, 1
              ret i64 %y
            }
            define swifttailcc i64 @leaf(ptr swiftself %c, ptr nest %s, i64 %x) "frame-pointer"="all" {
              %y = add i64 %x, 1
              ret i64 %y
            }
            """
        guard let f = try Self.body(ir, "f"), let leaf = try Self.body(ir, "leaf") else { return }
        for body in [f, leaf] {
            #expect(Array(body.prefix(2)) == ["stp x29, x30, [sp, #-16]!", "mov x29, sp"], "\(body)")
            #expect(Array(body.suffix(2)) == ["ldp x29, x30, [sp], #16", "ret"], "\(body)")
            #expect(!body.contains { $0.hasPrefix("orr x29") || $0.hasPrefix("and x29") }, "\(body)")
        }
    }

    /// `swiftcc` (internal functions): the caller pops. The callee ends in a plain `ret`
    /// whatever its stack arguments, and the caller does not re-reserve after the call.
    @Test(arguments: [1, 3])
    func internalCalleeDoesNotPop(_ stackArguments: Int) throws {
        let count = 8 + stackArguments
        let types = (["ptr swiftself", "ptr nest"] + Array(repeating: "i64", count: count)).joined(separator: ", ")
        let args = (["ptr swiftself %c", "ptr nest %s"] + (0..<count).map { "i64 \($0)" }).joined(separator: ", ")
        let ir = """
            define swiftcc i64 @k(ptr swiftself %c, ptr nest %s, \(Self.parameters("i64", "a", count))) {
              ret i64 %a\(count - 1)
            }
            declare swiftcc i64 @g(\(types))
            define swiftcc i64 @f(ptr swiftself %c, ptr nest %s) {
              %r = call swiftcc i64 @g(\(args))
              %q = add i64 %r, 1
              ret i64 %q
            }
            """
        guard let k = try Self.body(ir, "k"), let f = try Self.body(ir, "f"), let call = f.firstIndex(of: "bl g")
        else { return }
        #expect(k == ["ldr x0, [sp, #\(8 * (stackArguments - 1))]", "ret"] || k == ["ldr x0, [sp]", "ret"], "\(k)")
        #expect(!f[(call + 1)...].contains { $0.hasPrefix("sub sp") }, "\(f)")
    }
}
