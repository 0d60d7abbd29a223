import Testing
@testable import Common

/// `NAME.action` files (issue 16's interface): what they mean, and every mistake refused with its
/// file, line and reason.
@Suite struct ActionFileTests {
    func parse(_ text: String, name: String = "deploy") throws(ActionFileError) -> ActionDefinition {
        try ActionFile.parse(text, path: "/etc/actions.d/\(name).action")
    }

    func refusal(_ text: String, name: String = "deploy") -> ActionFileError? {
        do {
            _ = try parse(text, name: name)
            return nil
        } catch {
            return error
        }
    }

    @Test func aForwardingActionReadsEveryKey() throws {
        let action = try parse("""
            # forward pull requests and pushes of our repositories to the old Odoo module
            EVENTS=pull_request, push
            ACTIONS=opened,closed
            REPOSITORIES=octo-org/*, octo-org2/api
            FORWARD_URL=https://odoo.example.com/odoo/github/webhook
            FORWARD_SECRET="a secret of 24 bytes!!!!"
            TIMEOUT=10s
            RETRY_SCHEDULE=10s, 1m,1h ,1d
            """)
        #expect(action.name == "deploy")
        #expect(action.events == ["pull_request", "push"])
        #expect(action.actions == ["opened", "closed"])
        #expect(action.repositories?.map(\.pattern) == ["octo-org/*", "octo-org2/api"])
        #expect(action.target == .forward(url: "https://odoo.example.com/odoo/github/webhook", secret: Array("a secret of 24 bytes!!!!".utf8)))
        #expect(action.timeoutSeconds == 10)
        #expect(action.retrySchedule == [10, 60, 3_600, 86_400])
        #expect(!action.withToken)
    }

    @Test func aCommandIsSplitIntoWordsWithoutAShellUnlessAsked() throws {
        let plain = try parse(#"EVENTS=*"# + "\n" + #"COMMAND=/usr/bin/gh issue edit --add-label 'needs triage' "a \"b\"" c\ d"# + "\nWITH_TOKEN=yes")
        #expect(plain.events == nil)
        #expect(plain.target == .command(arguments: ["/usr/bin/gh", "issue", "edit", "--add-label", "needs triage", #"a "b""#, "c d"]))
        #expect(plain.withToken)
        #expect(plain.timeoutSeconds == ActionDefinition.defaultTimeoutSeconds)
        #expect(plain.retrySchedule == ActionDefinition.defaultRetrySchedule)
        let shell = try parse("EVENTS=push\nCOMMAND=cd /srv/app && git pull | logger\nUSE_SHELL=yes\nRETRY_SCHEDULE=none")
        #expect(shell.target == .command(arguments: ["/bin/sh", "-c", "cd /srv/app && git pull | logger"]))
        #expect(shell.retrySchedule.isEmpty)
    }

    @Test(arguments: [
        ("EVENTS=push\nCOMMAND=/bin/true\nCOMAND=/bin/false", 3, "unknown key COMAND"),
        ("EVENTS=push\nEVENTS=issues\nCOMMAND=/bin/true", 2, "already set on line 1"),
        ("COMMAND=/bin/true", nil, "EVENTS is required"),
        ("EVENTS=\nCOMMAND=/bin/true", 1, "no event named"),
        ("EVENTS=Push\nCOMMAND=/bin/true", 1, "\"Push\" is not an event name"),
        ("EVENTS=push", nil, "set FORWARD_URL"),
        ("EVENTS=push\nCOMMAND=/bin/true\nFORWARD_URL=https://x.example", 2, "not both"),
        ("EVENTS=push\nFORWARD_URL=http://odoo.example.com/hook\nFORWARD_SECRET=0123456789abcdef", 2, "plain http only to a loopback"),
        ("EVENTS=push\nFORWARD_URL=https://user@odoo.example.com/hook\nFORWARD_SECRET=0123456789abcdef", 2, "no user name"),
        ("EVENTS=push\nFORWARD_URL=https://odoo.example.com/hook", 2, "FORWARD_SECRET is required"),
        ("EVENTS=push\nFORWARD_URL=https://odoo.example.com/hook\nFORWARD_SECRET=short", 3, "at least 16 bytes"),
        ("EVENTS=push\nCOMMAND=/bin/true\nFORWARD_SECRET=0123456789abcdef", 3, "applies to FORWARD_URL only"),
        ("EVENTS=push\nCOMMAND=/bin/echo \u{7}", 2, "control character"),
        ("EVENTS=push\nCOMMAND=deploy.sh", 2, "absolute path"),
        ("EVENTS=push\nCOMMAND=/usr/bin/git pull | logger", 2, "\"|\" needs a shell"),
        ("EVENTS=push\nCOMMAND=/usr/bin/echo $HOME", 2, "\"$\" needs a shell"),
        ("EVENTS=push\nCOMMAND=/usr/bin/echo 'open", 2, "quote is not closed"),
        ("EVENTS=push\nCOMMAND=/bin/true\nTIMEOUT=99999999999999999999s", 3, "a duration from 1s to 1h"),
        ("EVENTS=push\nCOMMAND=/bin/true\nTIMEOUT=2h", 3, "a duration from 1s to 1h"),
        ("EVENTS=push\nCOMMAND=/bin/true\nTIMEOUT=0s", 3, "a duration from 1s to 1h"),
        ("EVENTS=push\nCOMMAND=/bin/true\nRETRY_SCHEDULE=10s,soon", 3, "\"soon\" is not a wait"),
        ("EVENTS=push\nCOMMAND=/bin/true\nRETRY_SCHEDULE=8d", 3, "\"8d\" is not a wait"),
        ("EVENTS=push\nCOMMAND=/bin/true\nREPOSITORIES=octo-org", 3, "is not owner/name"),
        ("EVENTS=push\nCOMMAND=/bin/true\nREPOSITORIES=octo/a/b", 3, "is not owner/name"),
        ("EVENTS=push\nCOMMAND=/bin/true\nWITH_TOKEN=sure", 3, "yes or no"),
        ("EVENTS=push\nCOMMAND=/bin/true\nBRANCHES=release-?", 3, "is not a branch pattern"),
        ("EVENTS=push\nCOMMAND=/bin/true\nCONCURRENCY=0", 3, "CONCURRENCY: a number from 1 to 64"),
        ("EVENTS=push\nFORWARD_URL=https://x.example/h\nFORWARD_SECRET=0123456789abcdef\nFORWARD_SIGNATURE=svix", 4, "github or standard-webhooks"),
        ("EVENTS=push\nFORWARD_URL=https://x.example/h\nFORWARD_SECRET=0123456789abcdef0123456789\nFORWARD_SIGNATURE=standard-webhooks", 3, "whsec_ then the base64"),
        ("EVENTS=push\nCOMMAND=/bin/true\nFORWARD_SIGNATURE=github", 3, "applies to FORWARD_URL only"),
        ("EVENTS=push\nCOMMAND=/bin/true\nCONCURRENCY=65", 3, "CONCURRENCY: a number from 1 to 64"),
        ("EVENTS=push\nCOMMAND=/bin/true\nCONCURRENCY=99999999999999999999", 3, "CONCURRENCY: a number from 1 to 64"),
        ("EVENTS=push\nCOMMAND=/bin/true\nBRANCHES=main,!dev", 3, "\"!dev\" is not a branch pattern"),
        ("EVENTS=push\nCOMMAND=/bin/true\nBRANCHES= , ", 3, "BRANCHES: empty"),
        ("EVENTS=push\nFORWARD_URL=https://x.example/h\nFORWARD_SECRET=0123456789abcdef\nWITH_TOKEN=yes", 4, "applies to COMMAND only"),
        ("EVENTS=push\nthis is not an assignment", 2, "expected KEY=value"),
    ] as [(String, Int?, String)])
    func aMistakeIsRefusedWithItsLineAndReason(text: String, line: Int?, reason: String) {
        let error = refusal(text)
        #expect(error?.line == line, "\(String(describing: error))")
        #expect(error?.reason.contains(reason) == true, "\(String(describing: error))")
        #expect(error?.description.hasPrefix("/etc/actions.d/deploy.action") == true)
    }

    @Test func plainHTTPIsAllowedToLoopbackAndBadNamesAreRefused() throws {
        let local = try parse("EVENTS=*\nFORWARD_URL=http://127.0.0.1:8069/odoo/github/webhook\nFORWARD_SECRET=0123456789abcdef")
        #expect(local.target == .forward(url: "http://127.0.0.1:8069/odoo/github/webhook", secret: Array("0123456789abcdef".utf8)))
        #expect(refusal("EVENTS=*\nCOMMAND=/bin/true", name: "de ploy")?.reason.contains("the name must be") == true)
        #expect(refusal("EVENTS=*\nCOMMAND=/bin/true", name: "")?.reason.contains("the name must be") == true)
    }

    @Test func matchingTakesEventsActionsAndRepositoryGlobs() throws {
        let action = try parse("EVENTS=issues,pull_request\nACTIONS=opened\nREPOSITORIES=Octo-Org/*,other/exact\nCOMMAND=/bin/true")
        #expect(action.matches(DeliveryFacts(event: "issues", action: "opened", repository: "octo-org/hello")))
        #expect(action.matches(DeliveryFacts(event: "pull_request", action: "opened", repository: "OTHER/Exact")))
        #expect(!action.matches(DeliveryFacts(event: "push", action: "opened", repository: "octo-org/hello")))
        #expect(!action.matches(DeliveryFacts(event: "issues", action: "closed", repository: "octo-org/hello")))
        #expect(!action.matches(DeliveryFacts(event: "issues", action: nil, repository: "octo-org/hello")))
        #expect(!action.matches(DeliveryFacts(event: "issues", action: "opened", repository: "octo-org2/hello")))
        #expect(!action.matches(DeliveryFacts(event: "issues", action: "opened", repository: nil)))
        let everything = try parse("EVENTS=*\nCOMMAND=/bin/true")
        #expect(everything.matches(DeliveryFacts(event: "ping")))
    }

    @Test func globsMatchWithinOneNameOnly() throws {
        let glob = try #require(RepositoryGlob("octo-*/web-?"))
        #expect(glob.matches("octo-org/web-1"))
        #expect(glob.matches("OCTO-ORG/WEB-a"))
        #expect(!glob.matches("octo-org/web-12"))
        #expect(!glob.matches("octo-org/sub/web-1"))
        #expect(try #require(RepositoryGlob("*/*")).matches("a/b"))
        #expect(!(try #require(RepositoryGlob("*/*")).matches("a/b/c")))
        #expect(!(try #require(RepositoryGlob("a*/b")).matches("a/x/b")))
        // A long hostile name against many stars ends quickly (no exponential backtracking).
        let stars = try #require(RepositoryGlob("*a*a*a*a*a*a*a*a*a*a*a*b/x"))
        #expect(!stars.matches(String(repeating: "a", count: 5_000) + "/x"))
        #expect(RepositoryGlob("a/b c") == nil && RepositoryGlob("/b") == nil && RepositoryGlob("a/") == nil)
    }

    @Test func branchGlobsFollowGitHubActionsStars() throws {
        let action = try parse("EVENTS=push,pull_request\nBRANCHES=main, release/*, hotfix/**\nCOMMAND=/bin/true")
        #expect(action.branches?.map(\.pattern) == ["main", "release/*", "hotfix/**"])
        for branch in ["main", "release/1.2", "hotfix/a/b", "hotfix/"] {
            #expect(action.matches(DeliveryFacts(event: "push", branch: branch)), "\(branch)")
        }
        for branch in ["Main", "main2", "release/1/2", "release", "feature/main", ""] {
            #expect(!action.matches(DeliveryFacts(event: "push", branch: branch)), "\(branch)")
        }
        #expect(!action.matches(DeliveryFacts(event: "push")), "an event without a branch")
        let star = try #require(BranchGlob("*"))
        #expect(star.matches("main") && !star.matches("feature/x"))
        #expect(try #require(BranchGlob("**")).matches("feature/x"))
        #expect(try #require(BranchGlob("v*.*-rc+1")).matches("v1.2-rc+1"))
        // Many stars against a long hostile name: bounded work, no match.
        let stars = try #require(BranchGlob(String(repeating: "*a", count: 100) + "b"))
        #expect(!stars.matches(String(repeating: "a", count: 255)))
        #expect(!stars.matches(String(repeating: "a", count: 100_000)))
        #expect(BranchGlob("") == nil && BranchGlob("a b") == nil && BranchGlob("a[0]") == nil && BranchGlob("x\u{1}") == nil)
    }

    /// The README's recipes are action files this parser takes, with the meaning the README gives.
    @Test func theReadmesRecipesAreValidActions() throws {
        let repository = "/" + #filePath.split(separator: "/").dropLast(3).joined(separator: "/")
        let readme = String(decoding: try readSmallFile(repository + "/README.md"), as: UTF8.self)
        var recipes: [String: ActionDefinition] = [:]
        for part in readme.components(separatedBy: "<<'ACTION'\n").dropFirst() {
            guard let end = part.range(of: "\nACTION\n") else { continue }
            let action = try ActionFile.parse(String(part[..<end.lowerBound]) + "\n", path: "recipe-\(recipes.count).action")
            recipes[action.name] = action
        }
        #expect(recipes.count == 3)
        let deploy = try #require(recipes["recipe-1"])
        #expect(deploy.matches(DeliveryFacts(event: "push", repository: "octo-org/website", branch: "main")))
        #expect(!deploy.matches(DeliveryFacts(event: "push", repository: "octo-org/website", branch: "feature")))
        #expect(recipes["recipe-2"]?.withToken == true)
    }

    @Test func aDirectoryLoadsEachActionFileAndReportsEachBadOne() throws {
        let directory = try TemporaryDirectory()
        try writeFile(directory.path + "/b-label.action", "EVENTS=issues\nACTIONS=opened\nCOMMAND=/usr/bin/true\n")
        try writeFile(directory.path + "/a-odoo.action", "EVENTS=*\nFORWARD_URL=http://localhost:8069/odoo/github/webhook\nFORWARD_SECRET=0123456789abcdef\n")
        try writeFile(directory.path + "/c-broken.action", "EVENTS=push\nCOMMAND=/bin/true\nTIMOUT=5s\n")
        try writeFile(directory.path + "/notes.txt", "not an action")
        let loaded = ActionDirectory.load(directory.path)
        #expect(loaded.actions.map(\.name) == ["a-odoo", "b-label"])
        #expect(loaded.errors.map(\.description) == [directory.path + "/c-broken.action:3: unknown key TIMOUT (known: "
            + ActionFile.knownKeys.joined(separator: ", ") + ")"])
        #expect(loaded.actions.filter { $0.matches(DeliveryFacts(event: "issues", action: "opened", repository: "o/r")) }.map(\.name) == ["a-odoo", "b-label"])
        #expect(loaded.actions.filter { $0.matches(DeliveryFacts(event: "push", repository: "o/r")) }.map(\.name) == ["a-odoo"])
        let missing = ActionDirectory.load(directory.path + "/nowhere")
        #expect(missing.actions.isEmpty && missing.errors.isEmpty)
    }
}
