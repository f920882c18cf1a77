/// The vocabulary as two tries over Unicode scalars — word-initial pieces, and continuation
/// pieces with their `##` prefix removed — so greedy longest-match WordPiece is one walk along
/// the word per piece instead of a String built and hashed for every candidate substring.
///
/// Edges live in one open-addressing hash table keyed by (node, scalar); nodes carry the token
/// id when a vocabulary entry ends there.
struct VocabularyTrie: Sendable {
    static let wordRoot: Int32 = 0
    static let continuationRoot: Int32 = 1

    private var keys: [UInt64]
    private var values: [Int32]
    private var mask: Int
    private(set) var tokenIds: [Int32] = [-1, -1]

    init(vocab: [String: Int], continuingSubwordPrefix prefix: String) {
        var edges: [(UInt64, Int32)] = []
        var nodes: [Int32] = [-1, -1]
        var lookup: [UInt64: Int32] = [:]
        // Scalars throughout, never Characters: "##" followed by a combining mark or an emoji
        // modifier is one grapheme cluster fewer than its scalars, and String comparison would
        // also equate canonically equivalent tokens that Python keeps apart.
        let p = Array(prefix.unicodeScalars)
        for (token, id) in vocab {
            let scalars = Array(token.unicodeScalars)
            var root = Self.wordRoot
            var body = scalars[...]
            if !p.isEmpty, scalars.count > p.count, scalars.starts(with: p) {
                root = Self.continuationRoot
                body = scalars[p.count...]
            }
            var node = root
            for s in body {
                let key = UInt64(node) << 21 | UInt64(s.value)
                if let next = lookup[key] { node = next; continue }
                let next = Int32(nodes.count)
                nodes.append(-1)
                lookup[key] = next
                edges.append((key, next))
                node = next
            }
            // A repeated token keeps the id the vocabulary map already settled on.
            nodes[Int(node)] = Int32(id)
        }
        var capacity = 16
        while capacity < edges.count * 2 { capacity <<= 1 }
        keys = [UInt64](repeating: .max, count: capacity)
        values = [Int32](repeating: -1, count: capacity)
        mask = capacity - 1
        for (k, v) in edges {
            var i = Self.slot(k, mask)
            while keys[i] != .max { i = (i + 1) & mask }
            keys[i] = k
            values[i] = v
        }
        tokenIds = nodes
    }

    @inline(__always) static func slot(_ key: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    @inline(__always) func child(_ node: Int32, _ scalar: UInt32) -> Int32 {
        let key = UInt64(node) << 21 | UInt64(scalar)
        var i = Self.slot(key, mask)
        while true {
            let k = keys[i]
            if k == key { return values[i] }
            if k == .max { return -1 }
            i = (i + 1) & mask
        }
    }

    /// Appends the ids of `word`'s WordPiece pieces, or `unk` alone when some position has no
    /// piece (BERT's rule: the whole word becomes [UNK]).
    func appendPieces(_ word: UnsafeBufferPointer<UInt32>, unk: Int, into out: inout [Int]) {
        let mark = out.count
        var start = 0
        while start < word.count {
            var node = start == 0 ? Self.wordRoot : Self.continuationRoot
            var bestEnd = -1, bestId: Int32 = -1
            var i = start
            while i < word.count {
                node = child(node, word[i])
                if node < 0 { break }
                i += 1
                let id = tokenIds[Int(node)]
                if id >= 0 { bestEnd = i; bestId = id }
            }
            if bestEnd < 0 {
                out.removeSubrange(mark...)
                out.append(unk)
                return
            }
            out.append(Int(bestId))
            start = bestEnd
        }
    }
}
