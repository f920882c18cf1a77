#if canImport(Glibc)
import Glibc
#endif
import WeightKitTokenizer

/// The tokenizer on arbitrary bytes (decoded as UTF-8 with repair, as the commands read text):
/// the fast id path must agree with the String path mapped through the vocabulary.
nonisolated(unsafe) let tokenizer = try! WordPieceTokenizer(vocabFile: CommandLineVocab.path)

enum CommandLineVocab {
    static let path: String = {
        if let v = getenv("WEIGHTKIT_FUZZ_VOCAB") { return String(cString: v) }
        fatalError("set WEIGHTKIT_FUZZ_VOCAB to a vocab.txt (Fuzz/run.sh does)")
    }()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let fast = tokenizer.encode(text, maxLength: 1 << 20)
    let slow = [tokenizer.vocab[tokenizer.cls]!] + tokenizer.tokenize(text).map { tokenizer.vocab[$0] ?? tokenizer.vocab[tokenizer.unk]! } + [tokenizer.vocab[tokenizer.sep]!]
    if fast != slow { fatalError("id paths disagree on \(text.unicodeScalars.map { String($0.value, radix: 16) }): \(fast) vs \(slow)") }
    return 0
}
