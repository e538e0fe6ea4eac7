import Jinja

extension ModuleArguments {
    /// Refuses a line break (or NUL) in any of `names`. These arguments each become one line of a file (a
    /// crontab entry, a passwd field, a config line), where a line break would add a line the task never
    /// declared: a job's newline in root's crontab is a second root cron job.
    func requireSingleLine(_ names: String...) throws {
        for name in names {
            guard case .string(let text)? = values[name],
                  let index = text.firstIndex(where: { $0.isNewline || $0 == "\0" }) else { continue }
            let position = text.distance(from: text.startIndex, to: index) + 1
            let before = text[..<index].suffix(30)
            throw ModuleArgumentError("\(name) must be a single line, but it holds a line break at character \(position) "
                                      + "(after \"\(before)\"): remove it, or write one task per line")
        }
    }
}
