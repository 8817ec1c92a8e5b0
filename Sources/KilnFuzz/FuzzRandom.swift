// The fuzzers' one source of randomness: SplitMix64, seeded from (run seed, input index)
// so any input of any run can be regenerated from those two numbers alone.

/// A small deterministic pseudo-random generator (SplitMix64). Every input a fuzz run
/// makes is a pure function of `(seed, index)`: ``init(seed:index:)`` mixes the two so
/// neighbouring indices get unrelated streams.
public struct FuzzRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator for input `index` of the run seeded with `seed`.
    public init(seed: UInt64, index: UInt64 = 0) {
        state = seed
        state = next() ^ (index &* 0xD1B5_4A32_D192_ED03)
        _ = next()
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `0..<bound` (`bound` > 0).
    public mutating func below(_ bound: Int) -> Int {
        Int(next() % UInt64(bound))
    }

    /// A number in `range`.
    public mutating func inRange(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.count)
    }

    /// True with probability `percent`/100.
    public mutating func chance(_ percent: Int) -> Bool { below(100) < percent }

    /// One element of a non-empty array.
    public mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}
