import Foundation
import KilnELF

/// An image written to a uniquely named temporary `.so`, removed when the test is done.
struct WrittenImage: ~Copyable {
    let path: String
    let bytes: [UInt8]

    init(_ image: ELFImage) throws {
        let bytes = try writeSharedObject(image)
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("kiln-elf-test-\(UUID().uuidString).so").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        self.bytes = bytes
        self.path = path
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// A soname no other test uses: glibc returns an already loaded library with the same
/// soname instead of loading a second one, and tests run in parallel.
func uniqueSoname(_ stem: String) -> String { "lib\(stem)-\(UUID().uuidString).so" }
