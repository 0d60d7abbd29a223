import FuzzChecks
import FuzzDriver

@main enum FuzzEventHandlers {
    static func main() { runLibFuzzer(.eventHandlers) }
}
