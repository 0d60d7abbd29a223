import FuzzChecks
import FuzzDriver

@main enum FuzzConfigFile {
    static func main() { runLibFuzzer(.configFile) }
}
