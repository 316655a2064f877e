// swift-tools-version: 6.1
// Starling: lazy-loading container images. The target graph below is the
// architecture: each arrow is an allowed import (checked in CI with
// --explicit-target-dependency-import-check error).
import PackageDescription

let swiftSettings: [SwiftSetting] = [
  .swiftLanguageMode(.v6),
  .enableUpcomingFeature("ExistentialAny"),
  .enableUpcomingFeature("InternalImportsByDefault"),
  .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
  name: "Starling",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "starling", targets: ["starling"]),
    .executable(name: "starlingd", targets: ["starlingd"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
  ],
  targets: [
    // Pure layers: no network, FUSE or gRPC.
    .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
    .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
    .target(
      name: "StarlingCompression",
      dependencies: ["CZstd", "CZlib"],
      swiftSettings: swiftSettings
    ),
    .target(
      name: "StarlingFormat",
      dependencies: ["StarlingCompression", .product(name: "Crypto", package: "swift-crypto")],
      swiftSettings: swiftSettings
    ),
    .target(
      name: "StarlingTar",
      swiftSettings: swiftSettings
    ),
    .target(
      name: "StarlingOCI",
      dependencies: ["StarlingFormat"],
      swiftSettings: swiftSettings
    ),
    .target(
      name: "StarlingCache",
      dependencies: ["StarlingFormat"],
      swiftSettings: swiftSettings
    ),
    .target(
      name: "StarlingConvert",
      dependencies: ["StarlingTar", "StarlingFormat", "StarlingCompression", "StarlingOCI"],
      swiftSettings: swiftSettings
    ),
    // Network.
    .target(
      name: "StarlingFetch",
      dependencies: ["StarlingCache", "StarlingFormat", "StarlingOCI"],
      swiftSettings: swiftSettings
    ),
    // The kernel boundary: syscalls, FUSE.
    .systemLibrary(name: "CFuse3", pkgConfig: "fuse3", providers: [.apt(["libfuse3-dev"])]),
    .target(name: "StarlingSystem", swiftSettings: swiftSettings),
    .target(
      name: "StarlingFUSE",
      dependencies: ["CFuse3", "StarlingSystem"],
      swiftSettings: swiftSettings
    ),
    .target(
      name: "StarlingFS",
      dependencies: ["StarlingFUSE", "StarlingFetch", "StarlingFormat"],
      swiftSettings: swiftSettings
    ),
    .target(
      name: "StarlingMount",
      dependencies: [
        "StarlingFS", "StarlingFUSE", "StarlingFetch", "StarlingCache", "StarlingFormat", "StarlingOCI",
        "StarlingConvert", "StarlingSystem", .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "Logging", package: "swift-log"),
      ],
      swiftSettings: swiftSettings
    ),
    .target(
      name: "StarlingRegistry",
      dependencies: [
        "StarlingOCI",
        "StarlingFormat",
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
        .product(name: "Logging", package: "swift-log"),
      ],
      swiftSettings: swiftSettings
    ),
    // Composition.
    .target(
      name: "StarlingCommands",
      dependencies: [
        "StarlingMount",
        "StarlingFS",
        "StarlingSystem",
        "StarlingCache",
        "StarlingFetch",
        "StarlingConvert",
        "StarlingOCI",
        "StarlingFormat",
        "StarlingRegistry",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
      ],
      swiftSettings: swiftSettings
    ),
    .executableTarget(
      name: "starling",
      dependencies: [
        "StarlingCommands",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      swiftSettings: swiftSettings
    ),
    .executableTarget(
      name: "starlingd",
      dependencies: [
        "StarlingCommands",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      swiftSettings: swiftSettings
    ),
    // Benchmarks that print figures.
    .executableTarget(
      name: "starling-index-bench",
      dependencies: ["StarlingFormat", "StarlingCompression"],
      path: "Benchmarks/IndexScale",
      swiftSettings: swiftSettings
    ),
    // Test support: production targets never import it.
    .target(
      name: "StarlingTestSupport",
      dependencies: [
        "StarlingOCI",
        "StarlingFormat",
        "StarlingRegistry",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
      ],
      path: "Tests/StarlingTestSupport",
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "StarlingTarTests",
      dependencies: ["StarlingTar"],
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "StarlingFormatTests",
      dependencies: ["StarlingFormat", "StarlingCompression"],
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "StarlingCacheTests",
      dependencies: ["StarlingCache", "StarlingFormat"],
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "StarlingFetchTests",
      dependencies: [
        "StarlingFetch", "StarlingCache", "StarlingFormat", "StarlingCompression", "StarlingOCI", "StarlingConvert",
        "StarlingTar",
      ],
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "StarlingFSTests",
      dependencies: [
        "StarlingFS", "StarlingFUSE", "StarlingFetch", "StarlingFormat", "StarlingCache", "StarlingOCI",
        "StarlingConvert", "StarlingTar",
      ],
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "StarlingOCITests",
      dependencies: ["StarlingOCI", "StarlingFormat"],
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "StarlingRegistryTests",
      dependencies: [
        "StarlingRegistry", "StarlingOCI", "StarlingFormat", "StarlingTestSupport",
        .product(name: "NIOHTTP1", package: "swift-nio"),
        .product(name: "NIOCore", package: "swift-nio"),
      ],
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "StarlingIntegrationTests",
      dependencies: [
        "StarlingRegistry", "StarlingOCI", "StarlingFormat", "StarlingTestSupport",
        "StarlingCommands", "StarlingFetch", "StarlingCache", "StarlingConvert",
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
        .product(name: "NIOCore", package: "swift-nio"),
      ],
      swiftSettings: swiftSettings
    ),
  ]
)
