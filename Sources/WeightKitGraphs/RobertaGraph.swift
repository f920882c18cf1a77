/// RoBERTa and XLM-RoBERTa (Hugging Face `RobertaModel`, `RobertaForSequenceClassification`): BERT's
/// encoder and names, with position ids that start after the padding index and skip padding
/// tokens, one token type, an optional pooler, and a head of its own on the first token
/// (`classifier.dense` + tanh + `classifier.out_proj`).
extension BertArchitecture {
    public static let roberta: BertArchitecture = {
        var a = BertArchitecture.bert
        a.kind = .roberta
        a.positions = .afterPadding
        a.head = .init(input: .firstToken, hidden: ("classifier.dense", .tanh), output: "classifier.out_proj")
        a.taskPrefix = "roberta."
        a.tokenizer = .byteLevelBPE
        return a
    }()
}
