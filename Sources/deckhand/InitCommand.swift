import ArgumentParser
import Deckhand
import Foundation

/// `deckhand init`: writes a commented example deckhand.yml into the current folder.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a commented example deckhand.yml (the stages) into the current folder.")

    @Option(name: .customLong("config"), help: ArgumentHelp("Write it here instead of ./deckhand.yml.", valueName: "file"))
    var config: String?

    func run() throws {
        let path = config ?? StageConfig.fileName
        if FileManager.default.fileExists(atPath: path) {
            throw DeckhandFailure(.usage, "\(path) already exists; deckhand init never overwrites it (edit it, or move it away first)")
        }
        // O_EXCL: a file that appears between the check and the write is still never overwritten.
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else {
            throw DeckhandFailure(.usage, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        do {
            try handle.write(contentsOf: Data(StageConfig.example.utf8))
        } catch {
            unlink(path)
            throw DeckhandFailure(.usage, "cannot write \(path): \(error)")
        }
        print("wrote \(path): edit the stages, then try 'deckhand status test'")
    }
}
