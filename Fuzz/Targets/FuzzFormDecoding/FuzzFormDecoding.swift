import FuzzChecks
import FuzzDriver

@main enum FuzzFormDecoding {
    static func main() { runLibFuzzer(.formDecoding) }
}
