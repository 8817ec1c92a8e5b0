import Foundation
import KilnELF
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The system loader accepts a written object: `dlopen`, `dlsym`, call.
@Suite struct DynamicLoadingTests {
    @Test func dlopenedFunctionsReturnTheirResults() throws {
        let file = try WrittenImage(Fixtures.answerImage(soname: uniqueSoname("answer")))
        let handle = try #require(dlopen(file.path, RTLD_NOW | RTLD_LOCAL), "\(String(cString: dlerror()))")
        defer { dlclose(handle) }

        let answer = try #require(dlsym(handle, "answer"))
        typealias Nullary = @convention(c) () -> Int32
        #expect(unsafeBitCast(answer, to: Nullary.self)() == 42)

        let double = try #require(dlsym(handle, "double"))
        typealias Unary = @convention(c) (Int32) -> Int32
        #expect(unsafeBitCast(double, to: Unary.self)(21) == 42)

        #expect(dlsym(handle, "helper") == nil, "local symbols must not be exported")
    }

    @Test func objectWithLargePagesLoadsToo() throws {
        let file = try WrittenImage(Fixtures.answerImage(soname: uniqueSoname("bigpages"), pageSize: 65536))
        let handle = try #require(dlopen(file.path, RTLD_NOW | RTLD_LOCAL), "\(String(cString: dlerror()))")
        defer { dlclose(handle) }
        let answer = try #require(dlsym(handle, "answer"))
        #expect(unsafeBitCast(answer, to: (@convention(c) () -> Int32).self)() == 42)
    }

    @Test func exportedObjectPointsAtItsSectionBytes() throws {
        let file = try WrittenImage(Fixtures.answerImage(soname: uniqueSoname("meta")))
        let handle = try #require(dlopen(file.path, RTLD_NOW | RTLD_LOCAL))
        defer { dlclose(handle) }
        let metadata = try #require(dlsym(handle, "__kiln_metadata"))
        let bytes = UnsafeRawBufferPointer(start: metadata, count: Fixtures.metadataBytes.count)
        #expect(Array(bytes) == Fixtures.metadataBytes)
    }

    @Test func nmListsTheExportsOnly() throws {
        let file = try WrittenImage(Fixtures.answerImage())
        let output = try ExternalTool.run("nm", ["-D", file.path], hint: "install binutils")
        #expect(output.status == 0, "\(output.combined)")
        let lines = Set(output.stdout.split(separator: "\n").map(String.init))
        #expect(lines.contains("0000000000002000 T answer"), "\(output.stdout)")
        #expect(lines.contains("0000000000002010 T double"), "\(output.stdout)")
        #expect(lines.contains { $0.hasSuffix(" R __kiln_metadata") }, "\(output.stdout)")
        #expect(!output.stdout.contains("helper"))
    }

    @Test func manyExportsAreAllFoundThroughTheHashTable() throws {
        let count = 300
        var image = Fixtures.manyExportsImage(count: count)
        image.soname = uniqueSoname("many")
        let file = try WrittenImage(image)
        let handle = try #require(dlopen(file.path, RTLD_NOW | RTLD_LOCAL))
        defer { dlclose(handle) }
        typealias Nullary = @convention(c) () -> Int32
        for i in 0..<count {
            let function = try #require(dlsym(handle, "f\(i)"), "f\(i) not found")
            #expect(unsafeBitCast(function, to: Nullary.self)() == Int32(i))
        }
    }

    @Test func imageWithNothingInItStillLoads() throws {
        let image = ELFImage(machine: 62, soname: uniqueSoname("empty"), text: [], readOnlySections: [], symbols: [])
        let file = try WrittenImage(image)
        let handle = dlopen(file.path, RTLD_NOW | RTLD_LOCAL)
        #expect(handle != nil, "\(dlerror().map { String(cString: $0) } ?? "")")
        if let handle { dlclose(handle) }
    }
}
