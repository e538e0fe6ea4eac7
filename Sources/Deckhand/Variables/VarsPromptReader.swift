import Foundation
import Jinja
import OrderedCollections

/// Asks the questions of `vars_prompt` on the terminal; refuses when there is none (cron, CI), naming the
/// `-e` that answers instead. Variables already given with `-e` are not asked, as in Ansible.
public enum VarsPromptReader {
    public static func answers(for prompts: [VarsPrompt], extraVars: OrderedDictionary<String, Value>,
                               isTerminal: Bool = isatty(STDIN_FILENO) == 1,
                               readLine: (String, Bool) -> String? = VarsPromptReader.readFromTerminal)
        throws -> OrderedDictionary<String, Value> {
        var answers = OrderedDictionary<String, Value>()
        for prompt in prompts where extraVars[prompt.name] == nil {
            guard isTerminal else {
                throw ValidationError(
                    "vars_prompt '\(prompt.name)' needs a terminal to ask on, and there is none; "
                        + "pass the answer with -e \(prompt.name)=...", at: prompt.location, offendingText: prompt.name)
            }
            var question = prompt.prompt
            if let defaultValue = prompt.defaultValue, !prompt.isPrivate { question += " [\(defaultValue.promptText)]" }
            while true {
                guard let answer = readLine(question + ": ", prompt.isPrivate) else {
                    throw ValidationError("vars_prompt '\(prompt.name)': no answer (input closed)", at: prompt.location)
                }
                if prompt.confirm {
                    guard let again = readLine("confirm " + question + ": ", prompt.isPrivate) else {
                        throw ValidationError("vars_prompt '\(prompt.name)': no answer (input closed)", at: prompt.location)
                    }
                    if again != answer {
                        FileHandle.standardError.write(Data("***** VALUES ENTERED DO NOT MATCH ****\n".utf8))
                        continue
                    }
                }
                if answer.isEmpty, let defaultValue = prompt.defaultValue {
                    answers[prompt.name] = defaultValue
                } else {
                    answers[prompt.name] = .string(answer)
                }
                break
            }
        }
        return answers
    }

    /// Prints `question` and reads one line from stdin, with echo off when `isPrivate`.
    public static func readFromTerminal(_ question: String, _ isPrivate: Bool) -> String? {
        FileHandle.standardError.write(Data(question.utf8))
        var saved = termios()
        let canHide = isPrivate && tcgetattr(STDIN_FILENO, &saved) == 0
        if canHide {
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(STDIN_FILENO, TCSANOW, &quiet)
        }
        defer {
            if canHide {
                tcsetattr(STDIN_FILENO, TCSANOW, &saved)
                FileHandle.standardError.write(Data("\n".utf8))
            }
        }
        return Swift.readLine(strippingNewline: true)
    }
}

extension Value {
    var promptText: String {
        switch self {
        case .string(let text): return text
        case .int(let number): return String(number)
        case .double(let number): return String(number)
        case .bool(let flag): return flag ? "True" : "False"
        default: return ""
        }
    }
}
