// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets for every parser WeightKit exposes to untrusted input. Built only with
// `--sanitize=fuzzer --sanitize=address` (libFuzzer supplies `main`), by Fuzz/run.sh:
//
//   bash Fuzz/run.sh TARGET SECONDS
//
// A package of its own so the main package stays free of sanitizer-only executables.
let targets = ["safetensors-header", "shard-index", "wkc", "keras-hdf5", "keras-archive", "torch-zip", "pickle",
               "tokenizer", "reference-bundle", "json", "tf-bundle", "tf-object-graph", "tf-saved-model", "gguf"]

let package = Package(
    name: "WeightKitFuzz",
    platforms: [.macOS(.v13)],
    dependencies: [.package(name: "WeightKit", path: "..")],
    targets: [
        .target(name: "FuzzSupport", dependencies: [
            .product(name: "WeightKitCheckpoints", package: "WeightKit"),
        ]),
    ] + targets.map { name in
        .executableTarget(
            name: "fuzz-" + name,
            dependencies: [
                "FuzzSupport",
                .product(name: "WeightKitCheckpoints", package: "WeightKit"),
                .product(name: "WeightKitFormats", package: "WeightKit"),
                .product(name: "WeightKitKeras", package: "WeightKit"),
                .product(name: "WeightKitPyTorch", package: "WeightKit"),
                .product(name: "WeightKitTensorFlow", package: "WeightKit"),
                .product(name: "WeightKitTokenizer", package: "WeightKit"),
                .product(name: "WeightKitVerification", package: "WeightKit"),
            ],
            path: "Sources/" + name
        )
    }
)
