// The Kiln side of `make bench`'s run-time table: a host of the runtime alone (no
// compiler) that loads one artifact, instantiates it once and calls its `run` export
// CALLS times, timing each call as bench/driver.c times the native builds and
// bench/wasmtime_runner.py times Wasmtime, so the three engines are measured the same way.
// Built by bench/bench.py with swiftc against the release build's KilnRuntime objects (as
// bench/kiln_instances.swift is).
//
//     kiln-runner ARTIFACT.so N CALLS   prints {"checksum": C, "cpu_us": [..], "wall_us": [..],
//                                               "nivcsw": [..]}, one entry per call
//
// cpu_us is the CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID), wall_us the
// monotonic clock, nivcsw the involuntary context switches during the call (getrusage
// RUSAGE_THREAD). A trap or a load error goes to standard error with exit status 1, so
// the harness can report it instead of a time.
import Foundation
import KilnRuntime

func fail(_ message: String) -> Never {
    FileHandle.standardError.write("kiln-runner: \(message)\n".data(using: .utf8)!)
    exit(1)
}

/// Microseconds on `clock` (CLOCK_MONOTONIC or CLOCK_THREAD_CPUTIME_ID).
@inline(never)  // keeps the clock reads where they are written, around the call
func micros(_ clock: clockid_t) -> Double {
    var ts = timespec()
    clock_gettime(clock, &ts)
    return Double(ts.tv_sec) * 1e6 + Double(ts.tv_nsec) / 1e3
}

func involuntarySwitches() -> Int {
    var usage = rusage()
    let rusageThread: Int32 = 1  // RUSAGE_THREAD, a GNU extension Swift's Glibc module leaves out
    getrusage(rusageThread, &usage)
    return usage.ru_nivcsw
}

func json(_ xs: [Double], _ digits: Int) -> String {
    "[" + xs.map { String(format: "%.\(digits)f", $0) }.joined(separator: ", ") + "]"
}

let args = CommandLine.arguments
guard args.count == 4, let n = UInt32(args[2]), let calls = Int(args[3]), calls > 0 else {
    fail("usage: kiln-runner ARTIFACT.so N CALLS")
}
do {
    let engine = Engine()
    let module = try Module(contentsOf: args[1], engine: engine)
    let instance = try Instance(module: module, store: Store(engine: engine), imports: Imports())
    let run = try instance.typedFunction(named: "run", params: Int32.self, results: Int32.self)
    var cpu: [Double] = [], wall: [Double] = [], switches: [Double] = []
    var checksum: UInt32? = nil
    for _ in 0..<calls {
        let s0 = involuntarySwitches()
        let w0 = micros(CLOCK_MONOTONIC), c0 = micros(CLOCK_THREAD_CPUTIME_ID)
        let result = UInt32(bitPattern: try run(Int32(bitPattern: n)))
        let c1 = micros(CLOCK_THREAD_CPUTIME_ID), w1 = micros(CLOCK_MONOTONIC)
        switches.append(Double(involuntarySwitches() - s0))
        if let previous = checksum, previous != result {
            fail("checksum changed between calls: \(result) vs \(previous)")
        }
        checksum = result
        cpu.append(c1 - c0)
        wall.append(w1 - w0)
    }
    print("{\"cpu_us\": \(json(cpu, 1)), \"wall_us\": \(json(wall, 1)), \"nivcsw\": \(json(switches, 0)), \"checksum\": \(checksum!)}")
} catch {
    fail("\(error)")
}
