// swift-tools-version:6.0
import PackageDescription

// Modules follow the data's path:
//   checkpoint formats (WeightKitCheckpoints: core, safetensors, .wkc; WeightKitKeras: HDF5;
//   WeightKitPyTorch: torch.save zips; WeightKitFormats: the reader registry) -> mapping (WeightKitMapping)
//   -> compute and graphs (WeightKitCompute, WeightKitGraphs) -> verification (WeightKitVerification)
//   -> inspection and reports (WeightKitInspection, on the core only) -> CLI (weightkit).
// C libraries come in as system-library targets found through pkg-config (Sources/C*).
let package = Package(
    name: "WeightKit",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "WeightKitCheckpoints", targets: ["WeightKitCheckpoints"]),
        .library(name: "WeightKitKeras", targets: ["WeightKitKeras"]),
        .library(name: "WeightKitPyTorch", targets: ["WeightKitPyTorch"]),
        .library(name: "WeightKitTensorFlow", targets: ["WeightKitTensorFlow"]),
        .library(name: "WeightKitGGUF", targets: ["WeightKitGGUF"]),
        .library(name: "WeightKitFormats", targets: ["WeightKitFormats"]),
        .library(name: "WeightKitInspection", targets: ["WeightKitInspection"]),
        .library(name: "WeightKitCompute", targets: ["WeightKitCompute"]),
        .library(name: "WeightKitGraphs", targets: ["WeightKitGraphs"]),
        .library(name: "WeightKitMapping", targets: ["WeightKitMapping"]),
        .library(name: "WeightKitVerification", targets: ["WeightKitVerification"]),
        .library(name: "WeightKitTokenizer", targets: ["WeightKitTokenizer"]),
        .executable(name: "weightkit", targets: ["weightkit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
    ],
    targets: [
        .systemLibrary(
            name: "CWeightKitZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
        ),
        .systemLibrary(
            name: "CISAL",
            pkgConfig: "libisal",
            providers: [.apt(["libisal-dev"]), .brew(["isa-l"])]
        ),
        .systemLibrary(
            name: "CNettle",
            pkgConfig: "nettle",
            providers: [.apt(["nettle-dev"]), .brew(["nettle"])]
        ),
        // Platform calls that Swift's Glibc module hides (they need _GNU_SOURCE).
        .target(name: "CWeightKitPlatform"),
        .target(
            name: "WeightKitCheckpoints",
            dependencies: ["CWeightKitZlib", "CISAL", "CNettle", "CWeightKitPlatform"]
        ),
        // libhdf5, bound at run time on first use (see Sources/CHDF5/include/wk_hdf5.h for why).
        .target(name: "CHDF5"),
        // Keras 2 / Keras 3 / Hugging Face TF checkpoints in HDF5, through libhdf5.
        .target(
            name: "WeightKitKeras",
            dependencies: [
                "WeightKitCheckpoints", "WeightKitTokenizer", "CHDF5",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),
        // torch.save zip checkpoints through a restricted unpickler (never executes anything).
        .target(
            name: "WeightKitPyTorch",
            dependencies: ["WeightKitCheckpoints", "CWeightKitZlib"]
        ),
        // TensorFlow tensor bundles (TF1 / TF2 checkpoints, SavedModel variables): SSTable + wire-format decoding.
        .target(
            name: "WeightKitTensorFlow",
            dependencies: ["WeightKitCheckpoints", "WeightKitTokenizer", "CISAL"]
        ),
        // ggml's GGUF (llama.cpp): the header parsed and validated, plain tensors viewed in place.
        .target(
            name: "WeightKitGGUF",
            dependencies: ["WeightKitCheckpoints", "WeightKitTokenizer"]
        ),
        // The one list of checkpoint readers (Checkpoints.readers) and the facade that opens and checks any of them.
        .target(
            name: "WeightKitFormats",
            dependencies: [
                "WeightKitCheckpoints", "WeightKitKeras", "WeightKitPyTorch", "WeightKitTensorFlow", "WeightKitGGUF",
            ]
        ),
        // GEMM: oneDNN / OpenBLAS bound at run time on Linux, Accelerate on macOS.
        .target(
            name: "CGEMM",
            linkerSettings: [.linkedFramework("Accelerate", .when(platforms: [.macOS]))]
        ),
        // Vectorised element-wise and row-wise kernels (target_clones: AVX-512 / AVX2 / baseline).
        .target(name: "CKernels"),
        // The compute core: GEMM and the element-wise / row-wise kernels.
        .target(
            name: "WeightKitCompute",
            dependencies: ["CGEMM", "CKernels"]
        ),
        // The model graphs (BERT, the Keras text classifier) and their parameter tables.
        .target(
            name: "WeightKitGraphs",
            dependencies: ["WeightKitCheckpoints", "WeightKitCompute", "WeightKitTokenizer"]
        ),
        // Every naming convention onto the graphs, as data, with a complete report.
        .target(
            name: "WeightKitMapping",
            dependencies: ["WeightKitCheckpoints", "WeightKitCompute", "WeightKitGraphs", "WeightKitGGUF"]
        ),
        // Text → token ids: BERT's WordPiece tokenizer.
        .target(name: "WeightKitTokenizer", dependencies: ["WeightKitCheckpoints"]),
        // The verification pass: reference bundles, comparisons, the first diverging layer.
        .target(
            name: "WeightKitVerification",
            dependencies: [
                "WeightKitCheckpoints", "WeightKitFormats", "WeightKitCompute", "WeightKitGraphs", "WeightKitMapping",
                "WeightKitTokenizer",
            ]
        ),
        .target(
            name: "WeightKitInspection",
            dependencies: ["WeightKitCheckpoints"]
        ),
        .executableTarget(
            name: "weightkit",
            dependencies: [
                "WeightKitCheckpoints",
                "WeightKitFormats",
                "WeightKitInspection",
                "WeightKitCompute",
                "WeightKitGraphs",
                "WeightKitMapping",
                "WeightKitVerification",
                "WeightKitTokenizer",
                "WeightKitTensorFlow",
                "WeightKitKeras",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Fixture locations shared by the test targets.
        .target(name: "WeightKitTestSupport", path: "Tests/WeightKitTestSupport"),
        .testTarget(
            name: "WeightKitCheckpointsTests",
            dependencies: [
                "WeightKitCheckpoints", "WeightKitFormats", "WeightKitInspection", "WeightKitMapping",
                "WeightKitVerification", "WeightKitTestSupport",
            ]
        ),
        .testTarget(
            name: "WeightKitPyTorchTests",
            dependencies: [
                "WeightKitCheckpoints", "WeightKitPyTorch", "WeightKitFormats", "WeightKitInspection",
                "WeightKitTestSupport",
            ]
        ),
        // Replays the committed fuzz corpus through the readers (see Fuzz/ and ROBUSTNESS.md).
        .testTarget(
            name: "WeightKitRobustnessTests",
            dependencies: [
                "WeightKitCheckpoints", "WeightKitFormats", "WeightKitKeras", "WeightKitPyTorch", "WeightKitTokenizer",
                "WeightKitVerification", "WeightKitTestSupport", "WeightKitTensorFlow", "WeightKitGGUF",
            ]
        ),
        .testTarget(
            name: "WeightKitKerasTests",
            dependencies: [
                "WeightKitCheckpoints", "WeightKitKeras", "WeightKitFormats", "WeightKitInspection",
                "WeightKitTestSupport",
            ]
        ),
        .testTarget(
            name: "WeightKitGraphsTests",
            dependencies: [
                "WeightKitCheckpoints", "WeightKitFormats", "WeightKitCompute", "WeightKitGraphs", "WeightKitMapping",
                "WeightKitVerification", "WeightKitTestSupport",
            ]
        ),
        .testTarget(
            name: "WeightKitTensorFlowTests",
            dependencies: [
                "WeightKitCheckpoints", "WeightKitTensorFlow", "WeightKitFormats", "WeightKitTokenizer",
                "WeightKitTestSupport",
            ]
        ),
        .testTarget(
            name: "WeightKitGGUFTests",
            dependencies: ["WeightKitCheckpoints", "WeightKitGGUF", "WeightKitFormats", "WeightKitTestSupport"]
        ),
        .testTarget(
            name: "WeightKitComputeTests",
            dependencies: ["WeightKitCompute", "WeightKitCheckpoints"]
        ),
        .testTarget(
            name: "WeightKitMappingTests",
            dependencies: [
                "WeightKitCheckpoints", "WeightKitFormats", "WeightKitGraphs", "WeightKitMapping",
                "WeightKitTestSupport",
            ]
        ),
        .testTarget(
            name: "WeightKitVerificationTests",
            dependencies: [
                "WeightKitCheckpoints", "WeightKitFormats", "WeightKitGraphs", "WeightKitMapping",
                "WeightKitVerification", "WeightKitTokenizer",
                "WeightKitTestSupport",
            ]
        ),
        .testTarget(
            name: "WeightKitInspectionTests",
            dependencies: ["WeightKitCheckpoints", "WeightKitInspection", "WeightKitTestSupport"]
        ),
        .testTarget(
            name: "WeightKitTokenizerTests",
            dependencies: ["WeightKitTokenizer", "WeightKitCheckpoints", "WeightKitTestSupport"]
        ),
        .testTarget(
            name: "WeightKitCLITests",
            dependencies: ["WeightKitCheckpoints", "WeightKitTestSupport"]
        ),
    ]
)
