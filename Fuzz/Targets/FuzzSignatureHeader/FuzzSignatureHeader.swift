import FuzzChecks
import FuzzDriver

@main enum FuzzSignatureHeader {
    static func main() { runLibFuzzer(.signatureHeader) }
}
