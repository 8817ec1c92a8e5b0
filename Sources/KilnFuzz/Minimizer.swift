// Delta debugging: shrink an input while a predicate (the failure still reproduces) holds.

/// Shrinks failing inputs (Zeller's ddmin, with a budget on predicate runs).
public enum Minimizer {
    /// The smallest subsequence of `items` found for which `stillFails` holds, trying at
    /// most `budget` candidates. `stillFails(items)` is assumed true.
    public static func ddmin<T>(_ items: [T], budget: Int = 300, _ stillFails: ([T]) -> Bool) -> [T] {
        var current = items
        var granularity = 2
        var runs = 0
        while current.count >= 2 && runs < budget {
            let chunk = max(1, current.count / granularity)
            var reduced = false
            var start = 0
            while start < current.count && runs < budget {
                let end = min(start + chunk, current.count)
                let candidate = Array(current[..<start] + current[end...])
                runs += 1
                if !candidate.isEmpty && stillFails(candidate) {
                    current = candidate
                    granularity = max(granularity - 1, 2)
                    reduced = true
                } else {
                    start = end
                }
            }
            if !reduced {
                if chunk == 1 { break }
                granularity = min(granularity * 2, current.count)
            }
        }
        return current
    }

    /// Shrinks a generated module by dropping whole statements from its function bodies
    /// (each statement is stack-neutral, so every candidate stays valid).
    public static func minimize(_ module: GeneratedModule, budget: Int = 300, _ stillFails: (GeneratedModule) -> Bool) -> GeneratedModule {
        var positions: [(function: Int, statement: Int)] = []
        for (f, function) in module.functions.enumerated() {
            for s in function.statements.indices { positions.append((f, s)) }
        }
        func build(_ kept: [(function: Int, statement: Int)]) -> GeneratedModule {
            var m = module
            for f in m.functions.indices { m.functions[f].statements = [] }
            for p in kept { m.functions[p.function].statements.append(module.functions[p.function].statements[p.statement]) }
            return m
        }
        if stillFails(build([])) { return build([]) }
        return build(ddmin(positions, budget: budget) { stillFails(build($0)) })
    }
}
