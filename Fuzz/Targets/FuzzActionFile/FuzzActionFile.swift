import FuzzChecks
import FuzzDriver

@main enum FuzzActionFile {
    static func main() { runLibFuzzer(.actionFile) }
}
