import KilnABI

/// The label bookkeeping of one function that every backend's code buffer needs: where
/// each label was bound, the branches waiting for one (the backend knows how to encode
/// them; `form` tells it which encoding a fixup has), and one shared out-of-line trap
/// label per trap kind, so every bounds or overflow check of a kind branches to one
/// trapping instruction at the end of the function.
public struct LabelTable: Sendable {
    private var offsets: [Int] = []
    /// Branch fields to patch when the function is finished.
    public private(set) var fixups: [(at: Int, label: Label, form: UInt8)] = []
    private var trapLabels = [Int32](
        repeating: -1, count: Int(TrapKind.allCases.map(\.rawValue).max() ?? 0) + 1)

    public init() {}

    public mutating func newLabel() -> Label {
        offsets.append(-1)
        return Label(id: Int32(offsets.count - 1))
    }

    public mutating func bind(_ label: Label, at offset: Int) { offsets[Int(label.id)] = offset }

    /// Where `label` was bound, nil if it never was (a lowering bug).
    public func offset(of label: Label) -> Int? {
        let o = offsets[Int(label.id)]
        return o >= 0 ? o : nil
    }

    public mutating func addFixup(at: Int, to label: Label, form: UInt8 = 0) {
        fixups.append((at, label, form))
    }

    /// The function's shared trap label of `kind`, made on first use.
    public mutating func trapLabel(_ kind: TrapKind) -> Label {
        let k = Int(kind.rawValue)
        if trapLabels[k] < 0 { trapLabels[k] = newLabel().id }
        return Label(id: trapLabels[k])
    }

    /// The trap labels used so far, to be bound to their trapping instructions.
    public var usedTrapLabels: [(kind: TrapKind, label: Label)] {
        var out: [(TrapKind, Label)] = []
        for k in trapLabels.indices where trapLabels[k] >= 0 {
            if let kind = TrapKind(rawValue: UInt8(k)) { out.append((kind, Label(id: trapLabels[k]))) }
        }
        return out
    }

    /// Forgets everything, for the next function (capacity kept).
    public mutating func reset() {
        offsets.removeAll(keepingCapacity: true)
        fixups.removeAll(keepingCapacity: true)
        for k in trapLabels.indices { trapLabels[k] = -1 }
    }
}
