import FuzzChecks
import FuzzDriver

@main enum FuzzPayloadSummary {
    static func main() { runLibFuzzer(.payloadSummary) }
}
