// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "insikt",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "insikt", targets: ["insikt"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CLinux", path: "Sources/CLinux"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CLibPQ", path: "Sources/CLibPQ", pkgConfig: "libpq",
                       providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CCrypto", path: "Sources/CCrypto", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CLibCurl", path: "Sources/CLibCurl", pkgConfig: "libcurl",
                       providers: [.apt(["libcurl4-openssl-dev"])]),
        .target(name: "JSON"),
        .target(name: "Charts"),
        .target(name: "HTTP", dependencies: ["CLinux", "CZlib", "JSON"]),
        .target(name: "Postgres", dependencies: ["CLibPQ"]),
        .target(name: "Citizens", dependencies: ["Charts", "Events", "HTTP", "JSON", "Postgres"]),
        .target(name: "Airports", dependencies: ["Events", "HTTP", "JSON", "Postgres"]),
        .target(name: "Access", dependencies: ["CCrypto", "HTTP", "JSON", "Postgres"]),
        .target(name: "Events", dependencies: ["CCrypto", "CLibCurl", "HTTP", "JSON", "Postgres"]),
        .target(name: "Demand", dependencies: ["Charts", "HTTP", "JSON", "Postgres"]),
        .target(name: "Report", dependencies: ["Citizens", "Demand", "HTTP"]),
        .target(name: "Client", dependencies: ["CLibCurl", "JSON"]),
        .target(name: "App", dependencies: ["HTTP", "JSON", "Postgres", "Access", "Events", "Citizens", "Airports", "Demand", "Report"]),
        .executableTarget(name: "insikt", dependencies: [
            "App", "Access", "Client", "Events", "Postgres",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "FuzzRequestParser", dependencies: ["HTTP", "JSON", "Airports"]),
        .target(name: "TestSupport", dependencies: ["App", "HTTP", "Postgres"], path: "Tests/Support"),
        .testTarget(name: "HTTPTests", dependencies: ["HTTP", "TestSupport"]),
        .testTarget(name: "JSONTests", dependencies: ["JSON"]),
        .testTarget(name: "ChartsTests", dependencies: ["Charts"]),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "TestSupport"]),
        .testTarget(name: "CitizensTests", dependencies: ["Citizens", "TestSupport"]),
        .testTarget(name: "AirportsTests", dependencies: ["Airports"]),
        .testTarget(name: "AccessTests", dependencies: ["Access", "HTTP"]),
        .testTarget(name: "DemandTests", dependencies: ["Demand", "HTTP", "JSON", "Postgres", "TestSupport"]),
        .testTarget(name: "EventsTests", dependencies: ["Events"]),
        .testTarget(name: "ClientTests", dependencies: ["Client", "JSON", "TestSupport"]),
        .testTarget(name: "AppTests", dependencies: ["App", "Access", "Airports", "CCrypto", "Events", "HTTP", "JSON", "Postgres", "TestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
