// The in-process half of `make bench-tables` (bench/bench_tables.py drives it): loads one
// artifact made from bench/gen_tables.py's module and measures one thing, printing JSON.
// Built by bench_tables.py with swiftc against the release build's KilnRuntime objects,
// as bench/kiln_instances.swift is (a host of the runtime alone).
//
//   kiln-tables instantiate SO MIN BUDGET_MS [quiet]  instantiate and drop, at least MIN
//                                             times and until BUDGET_MS has passed:
//                                             {"times_us": [...]} ({"count": N} if quiet)
//   kiln-tables calls SO N REPS               warm call_indirect: loop(N) and loop(2N) on
//                                             one instance, REPS pairs (and the same for
//                                             direct), thread CPU time:
//                                             {"loop_ns": [[t1, t2], ...], ...}
//   kiln-tables count SO EXPORT N             one instance, one warm-up loop(1), then
//                                             EXPORT(N, 0) once (run under callgrind)
//   kiln-tables sweep SO SLOTS REPS           per rep a fresh instance: sweep(SLOTS) twice,
//                                             thread CPU time:
//                                             {"first_ns": [...], "second_ns": [...]}
//   kiln-tables sweepcount SO SLOTS K         one instance, K sweeps (run under callgrind)
//   kiln-tables rss SO COUNT                  COUNT live instances, no call: resident growth
import Foundation
import KilnRuntime

func residentBytes() -> Int {
    // /proc/self/statm: size resident shared text lib data dt, in pages.
    let text = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? ""
    let fields = text.split(separator: " ")
    return fields.count > 1 ? (Int(fields[1]) ?? 0) * Int(getpagesize()) : 0
}

/// Sums the named fields (kB) of /proc/self/smaps_rollup, in bytes.
func rollup() -> [String: Int] {
    let text = (try? String(contentsOfFile: "/proc/self/smaps_rollup", encoding: .utf8)) ?? ""
    var out: [String: Int] = [:]
    for line in text.split(separator: "\n") {
        let parts = line.split(separator: " ", omittingEmptySubsequences: true)
        if parts.count >= 3, parts[0].hasSuffix(":"), let kb = Int(parts[1]) {
            out[String(parts[0].dropLast())] = kb * 1024
        }
    }
    return out
}

func ptesBytes() -> Int {
    // VmPTE in /proc/self/status: page-table memory (not part of RSS, but per-instance cost).
    let text = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    for line in text.split(separator: "\n") where line.hasPrefix("VmPTE:") {
        return (Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? 0) * 1024
    }
    return 0
}

func minorFaults() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_minflt
}

/// Monotonic clock: for instantiation, too short (microseconds) for the thread CPU clock,
/// whose own read is a system call of a few hundred nanoseconds.
@inline(never) func nanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// CPU time of this thread: for the calls and sweeps (milliseconds), so time the thread
/// spends descheduled on a shared machine does not count.
@inline(never) func cpuNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write("kiln-tables: \(message)\n".data(using: .utf8)!)
    exit(1)
}

func json(_ xs: [UInt64]) -> String { "[" + xs.map { String($0) }.joined(separator: ", ") + "]" }
func json(_ xs: [Double]) -> String { "[" + xs.map { String($0) }.joined(separator: ", ") + "]" }

let args = CommandLine.arguments
guard args.count >= 3 else { fail("usage: kiln-tables MODE ARTIFACT.so ...") }
let mode = args[1]
func intArg(_ i: Int) -> Int {
    guard args.count > i, let v = Int(args[i]) else { fail("argument \(i) missing or not a number") }
    return v
}

do {
    let engine = Engine()
    let module = try Module(contentsOf: args[2], engine: engine)
    let store = Store(engine: engine)
    switch mode {
    case "instantiate":
        let minimum = intArg(3), budget = UInt64(intArg(4)) * 1_000_000
        // Warm up (first touch of the runtime's own pages and allocator).
        for _ in 0..<10 { _ = try Instance(module: module, store: store, imports: Imports()) }
        var times: [Double] = []
        let began = nanos()
        while times.count < minimum || nanos() - began < budget {
            let t0 = nanos()
            let instance = try Instance(module: module, store: store, imports: Imports())
            let t1 = nanos()
            times.append(Double(t1 - t0) / 1000)
            withExtendedLifetime(instance) {}  // dropped here, outside the timed part
            if times.count >= 100_000 { break }
        }
        if args.count > 5 && args[5] == "quiet" {  // under callgrind: no per-sample formatting
            print("{\"count\": \(times.count)}")
        } else {
            print("{\"times_us\": \(json(times))}")
        }
    case "calls":
        let n = intArg(3), reps = intArg(4)
        let instance = try Instance(module: module, store: store, imports: Imports())
        let loop = try instance.typedFunction(named: "loop", params: Int32.self, Int32.self, results: Int32.self)
        let direct = try instance.typedFunction(named: "direct", params: Int32.self, Int32.self, results: Int32.self)
        _ = try loop(1000, 0)  // the slot is warm from here on (patched / initialized)
        _ = try direct(1000, 0)
        var loopPairs: [String] = [], directPairs: [String] = []
        var checks: [Int32] = []
        for _ in 0..<reps {
            for (f, pairs) in [(loop, 0), (direct, 1)] {
                let t0 = cpuNanos()
                let r1 = try f(Int32(n), 0)
                let t1 = cpuNanos()
                let r2 = try f(Int32(2 * n), 0)
                let t2 = cpuNanos()
                checks.append(r1 &+ r2)
                let pair = "[\(t1 - t0), \(t2 - t1)]"
                if pairs == 0 { loopPairs.append(pair) } else { directPairs.append(pair) }
            }
        }
        // Both must agree: slot 0 holds f0, which `direct` calls.
        let ok = checks.allSatisfy { $0 == checks[0] }
        print("{\"loop_ns\": [\(loopPairs.joined(separator: ", "))], \"direct_ns\": [\(directPairs.joined(separator: ", "))], \"n\": \(n), \"consistent\": \(ok)}")
    case "count":
        let export = args.count > 3 ? args[3] : "loop"
        let n = intArg(4)
        let instance = try Instance(module: module, store: store, imports: Imports())
        let f = try instance.typedFunction(named: export, params: Int32.self, Int32.self, results: Int32.self)
        _ = try f(1, 0)
        let r = try f(Int32(n), 0)
        print("{\"result\": \(r)}")
    case "sweep":
        let slots = intArg(3), reps = intArg(4)
        var first: [UInt64] = [], second: [UInt64] = [], results: [Int32] = []
        var faults1: [UInt64] = [], faults2: [UInt64] = []
        for _ in 0..<reps {
            let instance = try Instance(module: module, store: store, imports: Imports())
            let sweep = try instance.typedFunction(named: "sweep", params: Int32.self, results: Int32.self)
            let f0 = minorFaults()
            let t0 = cpuNanos()
            let r1 = try sweep(Int32(slots))
            let t1 = cpuNanos()
            let f1 = minorFaults()
            let r2 = try sweep(Int32(slots))
            let t2 = cpuNanos()
            let f2 = minorFaults()
            first.append(t1 - t0)
            second.append(t2 - t1)
            faults1.append(UInt64(f1 - f0))
            faults2.append(UInt64(f2 - f1))
            results += [r1, r2]
        }
        print("{\"first_ns\": \(json(first)), \"second_ns\": \(json(second)), \"first_faults\": \(json(faults1)), \"second_faults\": \(json(faults2)), \"result\": \(results[0]), \"consistent\": \(results.allSatisfy { $0 == results[0] })}")
    case "sweepcount":
        let slots = intArg(3), k = intArg(4)
        let instance = try Instance(module: module, store: store, imports: Imports())
        let sweep = try instance.typedFunction(named: "sweep", params: Int32.self, results: Int32.self)
        var r: Int32 = 0
        for _ in 0..<k { r = try sweep(Int32(slots)) }
        print("{\"result\": \(r)}")
    case "rss":
        let count = intArg(3)
        _ = try Instance(module: module, store: store, imports: Imports())  // warm-up, dropped
        var keep: [Instance] = []
        keep.reserveCapacity(count)
        let before = residentBytes(), rollBefore = rollup(), pteBefore = ptesBytes()
        for _ in 0..<count {
            keep.append(try Instance(module: module, store: store, imports: Imports()))
        }
        let after = residentBytes(), rollAfter = rollup(), pteAfter = ptesBytes()
        func delta(_ key: String) -> Double { Double((rollAfter[key] ?? 0) - (rollBefore[key] ?? 0)) / Double(count) }
        print("""
            {"rss_per_instance": \(Double(after - before) / Double(count)), "count": \(count), \
            "anonymous_per_instance": \(delta("Anonymous")), "private_dirty_per_instance": \(delta("Private_Dirty")), \
            "pss_per_instance": \(delta("Pss")), "pte_per_instance": \(Double(pteAfter - pteBefore) / Double(count))}
            """)
        withExtendedLifetime(keep) {}
    default:
        fail("unknown mode \(mode)")
    }
} catch {
    fail("\(error)")
}
