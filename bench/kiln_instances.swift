// Instantiation time and resident memory per instance under Kiln, measured the way
// bench/wasmtime_runner.py measures Wasmtime: load the artifact once, instantiate it COUNT
// times keeping every instance alive, report the median instantiation time and the growth
// of the resident set divided by COUNT. Built by bench/bench.py with swiftc against the
// release build's KilnRuntime objects (the runtime alone: a host links no compiler).
//
//     kiln-instances ARTIFACT.so COUNT   prints {"times_us": [...], "rss_per_instance": B}
import Foundation
import KilnRuntime

func residentBytes() -> Int {
    // /proc/self/statm: size resident shared text lib data dt, in pages.
    let text = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? ""
    let fields = text.split(separator: " ")
    return fields.count > 1 ? (Int(fields[1]) ?? 0) * Int(getpagesize()) : 0
}

let arguments = CommandLine.arguments
guard arguments.count == 3, let count = Int(arguments[2]), count > 0 else {
    FileHandle.standardError.write("usage: kiln-instances ARTIFACT.so COUNT\n".data(using: .utf8)!)
    exit(2)
}
do {
    let engine = Engine()
    let module = try Module(contentsOf: arguments[1], engine: engine)
    // Warm up once (first-touch of the runtime's own pages), as for Wasmtime.
    _ = try Instance(module: module, store: Store(engine: engine), imports: Imports())
    var keep: [Instance] = []
    keep.reserveCapacity(count)
    var times: [Double] = []
    let clock = ContinuousClock()
    let before = residentBytes()
    for _ in 0..<count {
        let store = Store(engine: engine)
        let start = clock.now
        let instance = try Instance(module: module, store: store, imports: Imports())
        let elapsed = clock.now - start
        times.append(Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12)
        keep.append(instance)
    }
    let after = residentBytes()
    let perInstance = Double(after - before) / Double(count)
    print(
        "{\"times_us\": [\(times.map { String($0) }.joined(separator: ", "))], \"rss_per_instance\": \(perInstance), \"count\": \(count)}"
    )
    withExtendedLifetime(keep) {}
} catch {
    FileHandle.standardError.write("kiln-instances: \(error)\n".data(using: .utf8)!)
    exit(1)
}
