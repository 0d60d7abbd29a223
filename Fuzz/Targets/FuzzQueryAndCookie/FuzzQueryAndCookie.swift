import FuzzChecks
import FuzzDriver

@main enum FuzzQueryAndCookie {
    static func main() { runLibFuzzer(.queryAndCookie) }
}
