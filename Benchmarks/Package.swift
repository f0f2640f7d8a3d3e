// swift-tools-version:6.2
import PackageDescription

// A separate package, so that normal builds and test runs never compile the benchmark dependencies.
let package = Package(
    name: "SwitchboardBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "PageBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "SwitchboardCore", package: "main"),
                .product(name: "SwitchboardStorage", package: "main"),
                .product(name: "SwitchboardSQLite", package: "main"),
            ],
            path: "Benchmarks/PageBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ]
)
