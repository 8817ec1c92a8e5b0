// Placeholder until the ELF writer lands.
import CLibELF

public struct ELFWriteError: Error { public var message: String }
public func writeSharedObject(_ image: ELFImage) throws(ELFWriteError) -> [UInt8] {
    throw ELFWriteError(message: "ELF writer not built yet")
}
