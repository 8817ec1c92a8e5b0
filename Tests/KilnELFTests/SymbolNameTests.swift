import Foundation
import KilnELF
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Symbol names are arbitrary UTF-8 (wasm export names): every one reaches `.dynsym`
/// byte for byte, and duplicates break nothing.
@Suite struct SymbolNameTests {
    @Test func everyExportIsFoundByItsExactBytes() throws {
        let file = try WrittenImage(Fixtures.awkwardNamesImage(soname: uniqueSoname("names")))
        let handle = try #require(dlopen(file.path, RTLD_NOW | RTLD_LOCAL))
        defer { dlclose(handle) }
        typealias Nullary = @convention(c) () -> Int32
        let names = Fixtures.awkwardNames
        for (index, name) in names.enumerated() {
            let function = try #require(dlsym(handle, name), "\(name.debugDescription) not found")
            let result = Int(unsafeBitCast(function, to: Nullary.self)())
            // A duplicated name may resolve to any of its definitions.
            let candidates = names.indices.filter { Array(names[$0].utf8) == Array(name.utf8) }
            #expect(candidates.contains(result), "\(name.debugDescription) (#\(index)) called #\(result)")
        }
    }

    @Test func canonicallyEquivalentNamesStayDistinct() throws {
        let file = try WrittenImage(Fixtures.awkwardNamesImage(soname: uniqueSoname("nfc")))
        let handle = try #require(dlopen(file.path, RTLD_NOW | RTLD_LOCAL))
        defer { dlclose(handle) }
        let precomposed = try #require(dlsym(handle, "héllo"))
        let decomposed = try #require(dlsym(handle, "he\u{301}llo"))
        #expect(precomposed != decomposed)
    }

    @Test func symtabHasLocalsFirstAndEveryName() throws {
        let file = try WrittenImage(Fixtures.awkwardNamesImage())
        let output = try ExternalTool.run(
            "readelf", ["-W", "--syms", "--unicode=locale", file.path], hint: "install binutils")
        let symtab = try #require(output.stdout.components(separatedBy: "Symbol table '.symtab'").last)
        let rows = symtab.split(separator: "\n").dropFirst(2).map {
            $0.split(separator: " ", omittingEmptySubsequences: true)
        }
        let bindings = rows.map { $0.count > 4 ? String($0[4]) : "" }
        #expect(
            bindings == ["LOCAL", "LOCAL", "LOCAL", "LOCAL"]
                + Array(repeating: "GLOBAL", count: Fixtures.awkwardNames.count))
    }
}
