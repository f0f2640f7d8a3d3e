// swift-tools-version:6.2
import Foundation
import PackageDescription

// A separate package, so that normal builds and test runs never compile the benchmark dependencies.
//
// The server package is a path dependency (`..`). SwiftPM names a path dependency after its directory, so the
// checkout may be called `main`, `switchboard`, `sb-ci-1234`…: compute that name here rather than spell it.
let serverPackage = URL(fileURLWithPath: Context.packageDirectory, isDirectory: true)
    .standardizedFileURL
    .deletingLastPathComponent()
    .lastPathComponent

let package = Package(
    name: "SwitchboardBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        // Naming the trait replaces the defaults, which would pull in a runtime interposer not available here.
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        .executableTarget(
            name: "PageBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SwitchboardCore", package: serverPackage),
                .product(name: "SwitchboardStorage", package: serverPackage),
                .product(name: "SwitchboardSQLite", package: serverPackage),
            ],
            path: "Benchmarks/PageBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ]
)
