// swift-tools-version:6.0
import PackageDescription

// Modules follow the data's path:
//   checkpoint formats (WeightKitCheckpoints) -> inspection and reports (WeightKitInspection) -> CLI (weightkit).
// C libraries come in as system-library targets found through pkg-config (Sources/C*).
let package = Package(
    name: "WeightKit",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "WeightKitCheckpoints", targets: ["WeightKitCheckpoints"]),
        .library(name: "WeightKitInspection", targets: ["WeightKitInspection"]),
        .executable(name: "weightkit", targets: ["weightkit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CZlib",
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
            dependencies: ["CZlib", "CISAL", "CNettle", "CWeightKitPlatform"]
        ),
        .target(
            name: "WeightKitInspection",
            dependencies: ["WeightKitCheckpoints"]
        ),
        .executableTarget(
            name: "weightkit",
            dependencies: [
                "WeightKitCheckpoints",
                "WeightKitInspection",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "WeightKitCheckpointsTests",
            dependencies: ["WeightKitCheckpoints", "WeightKitInspection"]
        ),
        .testTarget(
            name: "WeightKitCLITests",
            dependencies: ["WeightKitCheckpoints"]
        ),
    ]
)
