import XCTest
@testable import Jinja

/// The filters, tests and call forms Ansible's own integration targets use (issue 18); expected values are
/// ansible-core 2.21's (its filter and test plugins run under Python).
final class AnsibleFilterConformanceTests: XCTestCase {
    let env = Environment()

    func render(_ source: String, _ vars: [String: Value] = [:]) throws -> String {
        try env.compile(source).render(vars)
    }

    func testUnpackingAfterKeywordsPassesTheItemsAsPositionalArguments() throws {
        env.registerFunction("show") { args, kwargs in
            .string(args.map(\.pythonStr).joined(separator: ",") + ";" + kwargs.keys.sorted().map { "\($0)=\(kwargs[$0]!.pythonStr)" }.joined(separator: ","))
        }
        let vars: [String: Value] = ["phrases": .list([.string("a"), .string("b")]), "opts": .dict(["x": .int(1)])]
        XCTAssertEqual(try render("{{ show('list', wantlist=True, *phrases) }}", vars), "list,a,b;wantlist=True")
        XCTAssertEqual(try render("{{ show(*phrases, **opts) }}", vars), "a,b;x=1")
        XCTAssertThrowsError(try render("{{ show(x=1, 'late') }}"), "a plain positional argument after a keyword stays an error")
        XCTAssertThrowsError(try render("{{ show(*phrases, *phrases) }}"), "one * per call, as in Jinja2")
    }

    func testUrldecodeUndoesUrlencodeAndUrlsplitNamesTheParts() throws {
        let encoded = "key%3D%22%40%7B%7D%C3%A9%26%25%C2%A3%20foo%20bar%20%27%28%3B%5C%3C%3E%22%22%C2%B0%29"
        XCTAssertEqual(try render("{{ s | urldecode }}", ["s": .string(encoded)]), "key=\"@{}é&%£ foo bar '(;\\<>\"\"°)")
        XCTAssertEqual(try render("{{ 'a+b%20c' | urldecode }}"), "a b c")
        let url = "'http://mary:MySecret@www.Acme.com:9000/dir/index.html?query=term#fragment'"
        XCTAssertEqual(try render("{{ \(url) | urlsplit('hostname') }}"), "www.acme.com")
        XCTAssertEqual(try render("{{ \(url) | urlsplit('port') + 1 }}"), "9001")
        XCTAssertEqual(try render("{{ \(url) | urlsplit }}"),
                       "{'fragment': 'fragment', 'hostname': 'www.acme.com', 'netloc': 'mary:MySecret@www.Acme.com:9000', "
                       + "'password': 'MySecret', 'path': '/dir/index.html', 'port': 9000, 'query': 'query=term', 'scheme': 'http', "
                       + "'username': 'mary'}")
        XCTAssertEqual(try render("{{ '/just/a/path' | urlsplit('hostname') is none }}"), "True")
        XCTAssertThrowsError(try render("{{ \(url) | urlsplit('bad_filter') }}")) {
            XCTAssertTrue("\($0)".contains("unknown URL component: bad_filter"), "\($0)")
        }
    }

    func testZipPairsItemsUpToTheShortestAndZipLongestFills() throws {
        XCTAssertEqual(try render("{{ [1, 2, 3] | zip(['a', 'b']) | list }}"), "[(1, 'a'), (2, 'b')]")
        XCTAssertEqual(try render("{{ [1] | zip_longest(['a', 'b'], fillvalue='-') | list }}"), "[(1, 'a'), ('-', 'b')]")
        XCTAssertEqual(try render("{{ dict(['k1', 'k2'] | zip([1, 2])) }}"), "{'k1': 1, 'k2': 2}")
    }

    func testCommentWrapsTextInEachStyle() throws {
        XCTAssertEqual(try render("{{ 'a\\nb' | comment }}"), "#\n# a\n# b\n#")
        XCTAssertEqual(try render("{{ 'a\\nb' | comment('cblock') }}"), "/*\n *\n * a\n * b\n *\n */")
        XCTAssertEqual(try render("{{ 'x' | comment('xml', prefix_count=2) }}"), "<!--\n -\n -\n - x\n -\n-->")
        XCTAssertEqual(try render("{{ 'x' | comment(decoration='; ') }}"), ";\n; x\n;")
    }

    func testRegexEscapeMakesATextLiteral() throws {
        XCTAssertEqual(try render("{{ '1.2.3 (a+b)*[c]$ ^x|y' | regex_escape }}"), #"1\.2\.3\ \(a\+b\)\*\[c\]\$\ \^x\|y"#)
        XCTAssertEqual(try render("{{ 'a.b*c[d]' | regex_escape('posix_basic') }}"), #"a\.b\*c\[d\]"#)
        XCTAssertThrowsError(try render("{{ 'a' | regex_escape('perl') }}"))
    }

    func testPasswordHashIsAnsiblesStringForTheSameSalt() throws {
        // Each expected string is ansible-core 2.21.5's (libxcrypt: a given salt is crypt_gensalt's input).
        let expected = [
            "'sha512', 'mysalt'": "$6$rounds=656000$hZrQ$FKJiWWdJLtj9M2SugovDAVMyOzlmO/Kcu1uGROMhJZM8SkAouTYEnnqO4UF42Ywozm2GmxJr8Loa/pMdOJHlm1",
            "'sha512', 'mysalt', rounds=5000": "$6$hZrQ$7O3qCRdwXSs9QYsrsmewurCQABGauZEGEbQOPUrwBtAqXyv8bkR64MDMQrqyuZCzScgtyeSqnftRDzY9OufJp.",
            "'sha256', 'abcdefgh'": "$5$rounds=535000$V7qMYJaN$6C9tFofwPgVMrNNefd7mzUSe396b1id.uYzkoIm1HZ9",
            "'md5', 'abcdefgh'": "$1$V7qMYJaN$PGfljd6i89PJT5EgLKeA71",
            "'blowfish', '1234567890123456789012'": "$2b$12$KRGxLBS0Lxe3KBCwKxOzLeVhJAMtTpISnF2M8L7VZI.KJWMcD5gBi",
            "'yescrypt', 'abcdefghijklmnop'": "$y$j9T$V7qMYJaNbVKOeh4PhtqPk/$hJwCJdTkn9AseI9yQVrRlHPr.MsAEPsSuYrOpEFYJR4",
        ]
        for (arguments, hash) in expected {
            XCTAssertEqual(try render("{{ 'secret' | password_hash(\(arguments)) }}"), hash, arguments)
        }
        let random = try render("{{ 'secret' | password_hash }}"), again = try render("{{ 'secret' | password_hash }}")
        XCTAssertTrue(random.hasPrefix("$6$rounds=656000$") && random != again, "a fresh random salt each time: \(random)")
        XCTAssertThrowsError(try render("{{ 'secret' | password_hash('sha512', 'bad salt!') }}"))
        XCTAssertThrowsError(try render("{{ 'secret' | password_hash('whirlpool') }}"))
    }

    func testTypeDebugNamesThePythonType() throws {
        XCTAssertEqual(try render("{{ {'a': 1} | type_debug }} {{ 'x' | type_debug }} {{ [1] | type_debug }} {{ 1.5 | type_debug }} {{ none | type_debug }}"),
                       "dict str list float NoneType")
    }

    func testHashDigestsTheText() throws {
        XCTAssertEqual(try render("{{ 'deckhand' | hash('md5') }}"), "0f9b4eebd56dd692cb03f690f1c712f8")
        XCTAssertEqual(try render("{{ 'deckhand' | hash }}"), "e6f1cc318af1e5e02987f31ea1c41fa795709241")
        XCTAssertEqual(try render("{{ 'deckhand' | hash('sha256') }}"), "87842a2c9a74c3c2e0d534fde1a6b9990e3393ccee6103b212cd42561d81683b")
        XCTAssertEqual(try render("{{ 'deckhand' | checksum }}"), "e6f1cc318af1e5e02987f31ea1c41fa795709241")
        XCTAssertThrowsError(try render("{{ 'deckhand' | hash('crc') }}"))
    }

    func testVersionComparesLooseStrictSemverAndPep440() throws {
        let truths = [
            "'1.10' is version('1.9', '>')", "'1.0' is version_compare('1.0', '==')", "'1.2p3' is version('1.2', 'gt')",
            "'1.0a1' is version('1.0', '<', strict=true)", "'1.0' is version('2.0', '!=', true)",
            "'1.0.0-rc.1' is version('1.0.0', '<', version_type='semver')",
            "'1.0.0-alpha' is version('1.0.0-alpha.1', 'lt', version_type='semantic')",
            "'2.14.0rc1' is version('2.14.0', 'lt', version_type='pep440')",
            "'1.0.dev1' is version('1.0a1', '<', version_type='pep440')",
            "'1.0.post1' is version('1.0', '>', version_type='pep440')",
            "'2.0' is version('2', '==', version_type='pep440')",
        ]
        for test in truths {
            XCTAssertEqual(try render("{{ \(test) }}"), "True", test)
        }
        XCTAssertEqual(try render("{{ '2.0' is version('10.0', '>=') }}"), "False", "numbers, not text")
        for (bad, message) in [("'1.0' is version('1.0', 'equals')", "Invalid operator type"),
                               ("'1.0' is version('nope', '==', true)", "Version comparison failed"),
                               ("'1.0' is version('1.0', strict=False, version_type='loose')", "Cannot specify both"),
                               ("'' is version('1.0', '>')", "version value cannot be empty"),
                               ("'1.0' is version('', '>')", "to compare against cannot be empty")] {
            XCTAssertThrowsError(try render("{{ \(bad) }}"), bad) { error in
                XCTAssertTrue("\(error)".contains(message), "\(bad): \(error)")
            }
        }
    }
}
