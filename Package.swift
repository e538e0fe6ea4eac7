// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "deckhand",
    products: [
        .executable(name: "deckhand", targets: ["deckhand"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        // Ansible Vault's AES-256-CTR, HMAC-SHA256 and PBKDF2 (Sources/Deckhand/Vault).
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibSSH2",
            pkgConfig: "libssh2",
            providers: [.apt(["libssh2-1-dev"])]
        ),
        .target(name: "SSH", dependencies: ["CLibSSH2"]),
        // The password_hash filter: the system's libxcrypt, as Ansible 2.21 calls it.
        .systemLibrary(name: "CCrypt", providers: [.apt(["libcrypt-dev"])]),
        .target(
            name: "Jinja",
            dependencies: [
                "Yams", "CCrypt", .product(name: "OrderedCollections", package: "swift-collections"),
                // The hash, checksum and md5 filters.
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            // The renderer's state lives in one class per render, used by one thread; the runtime's
            // exclusivity checks on its properties cost ~6% of render time (see issue 3).
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"])]
        ),
        .target(
            name: "Deckhand",
            dependencies: [
                "SSH", "Jinja", "Yams",
                .product(name: "OrderedCollections", package: "swift-collections"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "deckhand",
            dependencies: ["Deckhand", "Jinja", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            plugins: ["BuildInfo"]
        ),
        // `deckhand --version`: the version (VERSION) and the commit, written by tools/build-info at build time.
        .plugin(name: "BuildInfo", capability: .buildTool()),
        .executableTarget(
            name: "deckhand-bench",
            dependencies: ["SSH", "Jinja", "Deckhand"],
            path: "Benchmarks/deckhand-bench"
        ),
        .testTarget(name: "SSHTests", dependencies: ["SSH"]),
        .testTarget(name: "JinjaTests", dependencies: ["Jinja"], resources: [.copy("Corpus")]),
        .testTarget(name: "DeckhandTests", dependencies: ["Deckhand", "Jinja"], resources: [.copy("Fixtures")]),
        // The verbs against a provisioned web host; make test provisions it (tools/run-tests).
        .testTarget(name: "WebHostTests", dependencies: []),
    ],
    swiftLanguageModes: [.v5]
)
