import WeightKitCheckpoints

extension CheckpointFormat {
    /// TensorFlow's tensor bundle: `PREFIX.index` + `PREFIX.data-NNNNN-of-NNNNN` (TF1 and TF2
    /// checkpoints, a SavedModel's `variables/`).
    public static let tensorBundle = CheckpointFormat(rawValue: "tf-tensor-bundle")
}

/// Reads TensorFlow tensor bundles (tensorflow/core/util/tensor_bundle): the `.index` SSTable of
/// `BundleEntryProto`s, decoded by a bounded wire-format reader, and the data shards, mapped.
/// Numeric tensors are byte ranges of the shards (at any offset: TensorFlow packs them densely,
/// so unaligned ones are copied when read); string tensors are listed in the metadata. The deep
/// check verifies every block checksum of the index and every tensor's CRC32C.
public enum TensorBundleReader: CheckpointReader {
    public static let formats: [CheckpointFormat] = [.tensorBundle]
    public static let directoryEntries = [DirectoryEntry(suffix: ".index", role: .index)]

    /// An SSTable footer's magic. The table itself is read (and every rule about it reported by
    /// name) when the bundle is opened, not here and again there.
    public static func recognizes(_ probe: CheckpointProbe) -> Bool { SSTable.hasMagic(probe.bytes) }

    /// The `.index` of a prefix (`bert_model.ckpt`), of one of its data shards, of a SavedModel
    /// directory (or its `saved_model.pb`), or of the latest checkpoint a directory's `checkpoint`
    /// state file names (an absolute path written on another machine is looked for beside the
    /// state file).
    public static func resolve(_ path: String) -> String? {
        // A SavedModel (an export, or a TF-Hub download as unpacked): its variables/ bundle.
        let savedModel = FileSystem.lastComponent(of: path) == "saved_model.pb" ? FileSystem.directory(of: path) : path
        if FileSystem.exists(FileSystem.join(savedModel, "saved_model.pb")) {
            let index = FileSystem.join(savedModel, "variables/variables.index")
            if FileSystem.exists(index) { return index }
        }
        if FileSystem.isDirectory(path) {
            let state = FileSystem.join(path, "checkpoint")
            guard FileSystem.exists(state), let file = try? MappedFile(path: state), file.size < 1 << 20 else {
                return nil
            }
            let text = String(decoding: file.bytes, as: UTF8.self)
            for line in text.split(separator: "\n") where line.hasPrefix("model_checkpoint_path:") {
                guard let q1 = line.firstIndex(of: "\""), let q2 = line.lastIndex(of: "\""), q1 < q2 else { continue }
                let named = String(line[line.index(after: q1)..<q2])
                // Beside the state file first: the directory the user named is the one meant, and
                // an absolute path may be another machine's (or another clone's).
                let candidates = [
                    FileSystem.join(path, FileSystem.lastComponent(of: named)),
                    named.hasPrefix("/") ? named : FileSystem.join(path, named),
                ]
                for prefix in candidates where FileSystem.exists(prefix + ".index") { return prefix + ".index" }
            }
            return nil
        }
        if !FileSystem.exists(path), FileSystem.exists(path + ".index") { return path + ".index" }
        // PREFIX.data-NNNNN-of-NNNNN: the prefix is everything before the last ".data-".
        let name = FileSystem.lastComponent(of: path)
        if name.contains(".data-"), let cut = name.ranges(of: ".data-").last {
            let prefix = FileSystem.join(FileSystem.directory(of: path), String(name[..<cut.lowerBound]))
            if FileSystem.exists(prefix + ".index") { return prefix + ".index" }
        }
        return nil
    }

    public static func open(_ path: String, options: CheckpointOpenOptions) throws -> any Checkpoint {
        options.threadsMayStart()
        return try open(path, includeAll: options.includeAll)
    }

    /// Opens a bundle from its `.index`; optimizer slots, `global_step` and save counters are
    /// listed only with `includeAll`.
    public static func open(_ path: String, includeAll: Bool = false) throws -> TensorBundleCheckpoint {
        try read(path, includeAll: includeAll).checkpoint
    }

    public static func check(_ path: String, progress: ProgressHandler?) throws -> CheckResult {
        var result = CheckResult(path: path, format: .tensorBundle)
        let bundle: Bundle
        do { bundle = try read(path, includeAll: true, collect: true) } catch let e as TensorBundleError {
            result.problems = [e.description]
            return result
        }
        let c = bundle.checkpoint
        result.problems = bundle.problems
        result.tensorCount = c.tensors.count
        for s in bundle.stored {
            let bytes = c.mappedFiles[s.shard].bytes(at: s.offset, count: s.size)
            let computed = CRC32C.mask(CRC32C.value(bytes))
            if computed != s.crc {
                result.problems.append(
                    TensorBundleError.badChecksum(file: path, tensor: s.label, stored: s.crc, computed: computed)
                        .description)
            }
            result.checkedBytes += s.size
        }
        result.notes.append(
            "every index block checksum and the CRC32C of all \(bundle.stored.count) stored tensors and slices verified"
        )
        return result
    }

    /// Bytes the bundle stores under one entry, with their masked CRC32C (a tensor, or one slice).
    struct Stored {
        var label: String, shard: Int, offset: Int, size: Int, crc: UInt32
    }

    /// An opened bundle and what the deep check verifies.
    struct Bundle {
        let checkpoint: TensorBundleCheckpoint
        let stored: [Stored]
        /// Entry problems found with `collect` (those entries are left out).
        var problems: [String] = []
    }

    /// Reads a bundle. With `collect`, a problem of one entry (its proto, dtype, placement or
    /// slices) is recorded in `Bundle.problems` and the entry left out, so that `check` reports
    /// every one; problems of the index, header, shards or object graph always throw.
    static func read(_ path: String, includeAll: Bool, collect: Bool = false) throws -> Bundle {
        var problems: [String] = []
        func record(_ error: Error) throws {
            guard collect, let e = error as? TensorBundleError else { throw error }
            problems.append(e.description)
        }
        let index = try MappedFile(path: path)
        let entries: [(key: [UInt8], value: UnsafeRawBufferPointer)]
        do { entries = try SSTable.entries(index.bytes) } catch {
            throw TensorBundleError.index(file: path, detail: "\(error)")
        }
        guard let first = entries.first, first.key.isEmpty else {
            throw TensorBundleError.badHeader(file: path, detail: "the first entry is not the header (key \"\")")
        }
        let (shards, bigEndian) = try header(first.value, file: path)
        if bigEndian { throw TensorBundleError.bigEndian(file: path) }
        let prefix = path.hasSuffix(".index") ? String(path.dropLast(6)) : path
        var files: [MappedFile] = []
        for i in 0..<shards {
            let name = prefix + ".data-" + pad(i) + "-of-" + pad(shards)
            guard FileSystem.exists(name) else {
                throw TensorBundleError.missingShard(file: path, shard: FileSystem.lastComponent(of: name))
            }
            files.append(try MappedFile(path: name))
        }
        // Decode every entry once. Slice entries (keys starting with a 0 byte, not text) are kept
        // apart by their raw keys for the tensors that list them; the object graph names the rest.
        var decoded: [(raw: [UInt8], key: String, entry: Entry)] = []
        var sliceEntries: [[UInt8]: Entry] = [:]
        decoded.reserveCapacity(entries.count - 1)
        for (keyBytes, value) in entries.dropFirst() {
            let printable = printableKey(keyBytes)
            do {
                let e = try entry(value, file: path, tensor: printable)
                if keyBytes.first == 0 { sliceEntries[keyBytes] = e } else { decoded.append((keyBytes, printable, e)) }
            } catch { try record(error) }
        }
        var namings: [String: ObjectGraph.Naming] = [:]
        var metadata: [String: String] = [:]
        if let g = decoded.first(where: { $0.key == ObjectGraph.key }) {
            let bytes = try stringScalar(g.entry, files: files, file: path, tensor: g.key)
            do {
                let graph = try ObjectGraph.decode(bytes)
                namings = graph.namings()
                metadata["tf.object_graph"] = "\(graph.nodes.count) nodes"
            } catch { throw TensorBundleError.badObjectGraph(file: path, detail: error.detail) }
        }
        // Full names are used where they name one tensor and are not TensorFlow's placeholder
        // ("Variable", "Variable_1", …, as the TF-Hub exporter's do_lower_case has).
        var fullNameCount: [String: Int] = [:]
        for n in namings.values where !n.fullName.isEmpty { fullNameCount[n.fullName, default: 0] += 1 }
        let keys = Set(decoded.map(\.key))
        var tensors: [TensorInfo] = [], stored: [Stored] = []
        var sliced: [String: TensorSlices] = [:]
        for (raw, key, e) in decoded {
            let naming = namings[key]
            if !includeAll, isTrainingState(key) || naming?.trainingState == true { continue }
            if e.dtype == 7 {  // DT_STRING: not weights; listed
                metadata["tf.string." + key] = "shape [" + e.shape.map(String.init).joined(separator: ", ") + "]"
                continue
            }
            guard let dtype = dtypes[e.dtype] else {
                try record(TensorBundleError.unsupportedDType(file: path, tensor: key, dtype: e.dtype))
                continue
            }
            var name = key, aliases: [String] = []
            if let n = naming, fullNameCount[n.fullName] == 1, !isPlaceholderName(n.fullName),
                !keys.contains(n.fullName)
            {
                name = n.fullName
                aliases = [key] + n.paths.filter { $0 + attributeSuffix != key }
            }
            var info = TensorInfo(
                name: name, dtype: dtype, shape: e.shape, fileIndex: e.shard, byteOffset: e.offset, byteCount: e.size,
                aliases: aliases)
            do {
                if !e.extents.isEmpty {
                    let slices = try pieces(
                        of: e, raw: raw, key: key, dtype: dtype, sliceEntries: sliceEntries, files: files, file: path)
                    stored += slices.pieces.map {
                        Stored(label: $0.label, shard: $0.shard, offset: $0.offset, size: $0.size, crc: $0.crc)
                    }
                    sliced[name] = slices
                    info.fileIndex = slices.pieces[0].shard
                    info.byteOffset = slices.pieces[0].offset
                    info.byteCount = dtype.byteCount(elements: elementCount(of: e.shape) ?? 0) ?? 0
                } else {
                    try checkPlacement(e, dtype: dtype, files: files, file: path, tensor: key)
                    stored.append(Stored(label: key, shard: e.shard, offset: e.offset, size: e.size, crc: e.crc))
                }
            } catch {
                try record(error)
                continue
            }
            if dtype == .bool, e.shape.isEmpty, key.hasPrefix("do_lower_case/"), e.extents.isEmpty {
                // The TF-Hub exporter's casing flag: a setting of the tokenizer, not a weight.
                metadata["tf.do_lower_case"] = files[e.shard].bytes(at: e.offset, count: 1)[0] != 0 ? "true" : "false"
                if !includeAll { continue }
            }
            tensors.append(info)
        }
        if !namings.isEmpty {
            // Save order (the model's own order) rather than the index's sorted keys.
            tensors.sort { ($0.fileIndex, $0.byteOffset) < ($1.fileIndex, $1.byteOffset) }
        }
        if !sliced.isEmpty { metadata["tf.sliced_tensors"] = String(sliced.count) }
        let (config, configFile) = try modelConfig(besides: path) ?? (nil, nil)
        if configFile == "bert_config.json" { metadata["config_file"] = configFile }
        let c = TensorBundleCheckpoint(
            MappedCheckpoint(
                path: path, format: .tensorBundle, files: files, tensors: tensors, metadata: metadata,
                modelConfig: config),
            sliced: sliced)
        return Bundle(checkpoint: c, stored: stored, problems: problems)
    }

    /// A key as text: slice keys carry 0 bytes and OrderedCode numbers, shown escaped.
    static func printableKey(_ raw: [UInt8]) -> String {
        guard raw.first == 0 || raw.contains(where: { $0 < 0x20 }) else { return String(decoding: raw, as: UTF8.self) }
        var out = ""
        for b in raw {
            if b >= 0x20 && b < 0x7F {
                out.append(Character(Unicode.Scalar(b)))
            } else {
                out += "\\x" + (b < 16 ? "0" : "") + String(b, radix: 16)
            }
        }
        return out
    }

    /// The slices a full entry lists, each found under its computed key and checked against the
    /// full tensor: present, of the tensor's dtype, its size and shape right, inside its shard,
    /// and all of them tiling the tensor exactly.
    static func pieces(
        of e: Entry, raw: [UInt8], key: String, dtype: DType, sliceEntries: [[UInt8]: Entry], files: [MappedFile],
        file path: String
    ) throws -> TensorSlices {
        func bad(_ d: String) -> TensorBundleError { .badSlices(file: path, tensor: key, detail: d) }
        guard e.extents.count <= TensorSlices.maxPieces else {
            throw bad("\(e.extents.count) slices (at most \(TensorSlices.maxPieces) are read)")
        }
        var pieces: [TensorSlices.Piece] = []
        for (n, extents) in e.extents.enumerated() {
            guard extents.count == e.shape.count else {
                throw bad("slice \(n) has \(extents.count) dimensions, the tensor \(e.shape.count)")
            }
            let sliceKey = TensorSlices.key(name: raw, extents: extents)
            let label = printableKey(sliceKey)
            guard let s = sliceEntries[sliceKey] else { throw bad("slice \(n) has no entry (key '\(label)')") }
            guard s.dtype == e.dtype else { throw bad("slice '\(label)' has dtype \(s.dtype), the tensor \(e.dtype)") }
            let start = extents.map(\.start)
            let length = zip(extents, e.shape).map { $0.length < 0 ? $1 - $0.start : $0.length }
            if !s.shape.isEmpty, s.shape != length {
                throw bad("slice '\(label)' has shape \(s.shape), its extents say \(length)")
            }
            try checkPlacement(
                Entry(dtype: s.dtype, shape: length, shard: s.shard, offset: s.offset, size: s.size, crc: s.crc),
                dtype: dtype, files: files, file: path, tensor: label)
            pieces.append(
                .init(
                    start: start, length: length, shard: s.shard, offset: s.offset, size: s.size, crc: s.crc,
                    label: label))
        }
        if let problem = TensorSlices.tilingProblem(pieces, shape: e.shape) { throw bad(problem) }
        return TensorSlices(pieces: pieces)
    }

    /// A Hugging Face `config.json` beside the bundle, else Google BERT's `bert_config.json`
    /// (the same keys, read the same way, `model_type` "bert" added; the mapper knows what its
    /// "gelu" means), and which of the two it was.
    static func modelConfig(besides path: String) throws -> (JSONValue, String)? {
        if let c = try FileSystem.modelConfig(besides: path) { return (c, "config.json") }
        let google = FileSystem.join(FileSystem.directory(of: path), "bert_config.json")
        guard FileSystem.exists(google) else { return nil }
        let value = try FileSystem.readJSON(google)
        guard case .object(var config) = value else {
            throw JSONFileError(path: google, problem: "a model config must be a JSON object, found \(value.typeName)")
        }
        // google-research/bert's configs are BERT's and say nothing of it; saying it lets the
        // config travel with a plain conversion (.wkc keeps a config that names its model type).
        if config["model_type"] == nil { config["model_type"] = .string("bert") }
        return (.object(config), "bert_config.json")
    }

    /// The suffix of a TF2 variable's key after its object path.
    static let attributeSuffix = "/.ATTRIBUTES/VARIABLE_VALUE"

    /// TensorFlow's default variable names, which name nothing.
    static func isPlaceholderName(_ name: String) -> Bool {
        name == "Variable" || (name.hasPrefix("Variable_") && name.dropFirst(9).allSatisfy(\.isNumber))
    }

    /// Shard, size and range of a numeric entry, against its dtype, shape and shard file.
    static func checkPlacement(_ e: Entry, dtype: DType, files: [MappedFile], file path: String, tensor key: String)
        throws
    {
        guard e.shard < files.count else {
            throw TensorBundleError.badEntry(file: path, tensor: key, detail: "shard \(e.shard) of \(files.count)")
        }
        let expected = elementCount(of: e.shape).flatMap { dtype.byteCount(elements: $0) }
        guard let expected, expected == e.size else {
            throw TensorBundleError.sizeMismatch(file: path, tensor: key, stored: e.size, expected: expected ?? -1)
        }
        try checkRange(e, in: files[e.shard], file: path, tensor: key)
    }

    /// An entry's bytes lie inside its shard.
    static func checkRange(_ e: Entry, in shard: MappedFile, file path: String, tensor key: String) throws {
        guard e.offset <= shard.size, e.size <= shard.size - e.offset else {
            throw TensorBundleError.pastShard(
                file: path, tensor: key, shard: FileSystem.lastComponent(of: shard.path), end: e.offset + e.size,
                size: shard.size)
        }
    }

    /// The bytes of a scalar DT_STRING tensor (tensor_bundle's WriteStringTensor layout: varint
    /// length, masked CRC32C of the length as uint32, the bytes), with the length checksum and
    /// the entry's CRC32C verified.
    static func stringScalar(_ e: Entry, files: [MappedFile], file path: String, tensor key: String) throws
        -> UnsafeRawBufferPointer
    {
        func bad(_ d: String) -> TensorBundleError { .badEntry(file: path, tensor: key, detail: d) }
        guard e.dtype == 7, e.shape.isEmpty, e.extents.isEmpty else { throw bad("not a scalar string tensor") }
        guard e.shard < files.count else { throw bad("shard \(e.shard) of \(files.count)") }
        let shard = files[e.shard]
        try checkRange(e, in: shard, file: path, tensor: key)
        let all = shard.bytes(at: e.offset, count: e.size)
        var r = ProtoReader(all)
        let length: UInt64, lengthCRC: UInt32
        do {
            length = try r.varint()
            lengthCRC = try r.fixed32()
        } catch { throw bad("string tensor: \(error.detail)") }
        guard length <= UInt64(all.count - r.position) else {
            throw bad("string of \(length) bytes in an entry of \(all.count)")
        }
        var l32 = UInt32(truncatingIfNeeded: length).littleEndian
        var l64 = length.littleEndian
        let computedLength =
            length > UInt64(UInt32.max)
            ? withUnsafeBytes(of: &l64) { CRC32C.value($0) } : withUnsafeBytes(of: &l32) { CRC32C.value($0) }
        guard CRC32C.mask(computedLength) == lengthCRC else { throw bad("the string length checksum does not match") }
        let string = UnsafeRawBufferPointer(rebasing: all[r.position..<(r.position + Int(length))])
        // The entry's CRC32C covers the lengths (as fixed-width integers), the 4 stored bytes of
        // their checksum, and the strings.
        var crcBytes = lengthCRC.littleEndian
        var crc = computedLength
        crc = withUnsafeBytes(of: &crcBytes) { CRC32C.value($0, extending: crc) }
        crc = CRC32C.value(string, extending: crc)
        guard CRC32C.mask(crc) == e.crc else {
            throw TensorBundleError.badChecksum(file: path, tensor: key, stored: e.crc, computed: CRC32C.mask(crc))
        }
        return string
    }

    /// Optimizer slots, step and save counters: training state, not weights.
    static func isTrainingState(_ key: String) -> Bool {
        key == "global_step" || key.hasSuffix("/adam_m") || key.hasSuffix("/adam_v")
            || key.contains("/.OPTIMIZER_SLOT/")
            || key.hasPrefix("save_counter/") || key.hasPrefix("optimizer/")
    }

    static func pad(_ i: Int) -> String { String(repeating: "0", count: max(0, 5 - String(i).count)) + String(i) }

    /// TensorFlow's DataType enum → ours (DT_STRING 7 is listed apart; the rest are refused by number).
    static let dtypes: [Int: DType] = [
        1: .f32, 2: .f64, 3: .i32, 4: .u8, 5: .i16, 6: .i8, 9: .i64, 10: .bool, 14: .bf16, 17: .u16, 19: .f16, 22: .u32,
        23: .u64,
    ]

    /// `BundleHeaderProto`: num_shards (1), endianness (2).
    static func header(_ v: UnsafeRawBufferPointer, file: String) throws -> (shards: Int, bigEndian: Bool) {
        var r = ProtoReader(v)
        var shards = 0, endianness = 0
        do {
            while let f = try r.field() {
                switch (f.number, f.wireType) {
                case (1, 0): shards = Int(truncatingIfNeeded: try r.varint())
                case (2, 0): endianness = Int(truncatingIfNeeded: try r.varint())
                default: try r.skip(wireType: f.wireType)
                }
            }
        } catch { throw TensorBundleError.badHeader(file: file, detail: error.detail) }
        guard shards >= 1, shards <= 100_000 else {
            throw TensorBundleError.badHeader(file: file, detail: "\(shards) shards")
        }
        return (shards, endianness == 1)
    }

    /// The fields of a `BundleEntryProto` a reader needs.
    struct Entry {
        var dtype = 0, shape: [Int] = [], shard = 0, offset = 0, size = 0, crc: UInt32 = 0
        /// The slices a full entry lists (`TensorSliceProto`: per dimension start and length, −1 = all).
        var extents: [[(start: Int, length: Int)]] = []
    }

    static func entry(_ v: UnsafeRawBufferPointer, file: String, tensor: String) throws -> Entry {
        var e = Entry()
        var r = ProtoReader(v)
        func bad(_ d: String) -> TensorBundleError { .badEntry(file: file, tensor: tensor, detail: d) }
        do {
            while let f = try r.field() {
                switch (f.number, f.wireType) {
                case (1, 0): e.dtype = Int(truncatingIfNeeded: try r.varint())
                case (2, 2): e.shape = try shape(try r.lengthDelimited())
                case (3, 0): e.shard = Int(truncatingIfNeeded: try r.varint())
                case (4, 0): e.offset = Int(truncatingIfNeeded: Int64(bitPattern: try r.varint()))
                case (5, 0): e.size = Int(truncatingIfNeeded: Int64(bitPattern: try r.varint()))
                case (6, 5): e.crc = try r.fixed32()
                case (7, 2):
                    guard e.extents.count < TensorSlices.maxPieces else {
                        throw ProtoReader.Malformed(detail: "too many slices")
                    }
                    e.extents.append(try slice(try r.lengthDelimited()))
                default: try r.skip(wireType: f.wireType)
                }
            }
        } catch let m as ProtoReader.Malformed { throw bad(m.detail) }
        guard e.shard >= 0, e.offset >= 0, e.size >= 0 else { throw bad("negative shard, offset or size") }
        return e
    }

    /// `TensorSliceProto`: repeated extent (1) { start (1), length (2; absent = the whole dimension) }.
    static func slice(_ v: UnsafeRawBufferPointer) throws(ProtoReader.Malformed) -> [(start: Int, length: Int)] {
        var r = ProtoReader(v)
        var out: [(start: Int, length: Int)] = []
        while let f = try r.field() {
            guard f.number == 1, f.wireType == 2 else {
                try r.skip(wireType: f.wireType)
                continue
            }
            var x = ProtoReader(try r.lengthDelimited())
            var start = 0, length = -1
            while let g = try x.field() {
                switch (g.number, g.wireType) {
                case (1, 0): start = Int(truncatingIfNeeded: Int64(bitPattern: try x.varint()))
                case (2, 0): length = Int(truncatingIfNeeded: Int64(bitPattern: try x.varint()))
                default: try x.skip(wireType: g.wireType)
                }
            }
            guard start >= 0, start < 1 << 40, length >= -1, length < 1 << 40 else {
                throw ProtoReader.Malformed(detail: "slice extent start \(start), length \(length)")
            }
            out.append((start, length))
            guard out.count <= 64 else { throw ProtoReader.Malformed(detail: "a slice of more than 64 dimensions") }
        }
        return out
    }

    /// `TensorShapeProto`: repeated dim (2) { size (1) }; unknown_rank (3) refused.
    static func shape(_ v: UnsafeRawBufferPointer) throws -> [Int] {
        var r = ProtoReader(v)
        var dims: [Int] = []
        while let f = try r.field() {
            switch (f.number, f.wireType) {
            case (2, 2):
                var d = ProtoReader(try r.lengthDelimited())
                var size = 0
                while let g = try d.field() {
                    if g.number == 1, g.wireType == 0 {
                        size = Int(truncatingIfNeeded: Int64(bitPattern: try d.varint()))
                    } else {
                        try d.skip(wireType: g.wireType)
                    }
                }
                guard size >= 0, size < 1 << 40 else { throw ProtoReader.Malformed(detail: "dimension \(size)") }
                dims.append(size)
            case (3, 0):
                if try r.varint() != 0 { throw ProtoReader.Malformed(detail: "unknown rank") }
            default: try r.skip(wireType: f.wireType)
            }
        }
        guard dims.count <= 64 else { throw ProtoReader.Malformed(detail: "\(dims.count) dimensions") }
        return dims
    }
}
