import ArgumentParser

/// `--output`: what stdout carries. human: progress and an outcome line for people; json: one JSON object per
/// line per event and a final outcome object (README: "Output for people and CI").
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case human, json
}
