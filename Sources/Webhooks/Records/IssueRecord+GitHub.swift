import Common

extension IssueRecord {
    /// An issue object as GitHub sends it, in an `issues` webhook or from
    /// `GET /repos/{owner}/{repo}/issues`. Fields the object lacks stay nil, so that the mirror keeps
    /// what it knew (some webhook examples carry an issue without `state`, docs/github-protocol.md section 14).
    public init?(gitHub issue: JSONNode, repository: String, isDeleted: Bool = false, transferredTo: String? = nil) throws(HandlerError) {
        guard let number = issue["number"]?.int64Value, let updatedAt = try issue.gitHubTime("updated_at", in: "issue") else { return nil }
        self.init(
            repository: repository, number: number, title: issue["title"]?.stringValue, state: issue["state"]?.stringValue,
            stateReason: issue["state_reason"]?.stringValue, labels: issue["labels"]?.arrayValue?.compactMap { $0["name"]?.stringValue },
            assignees: issue["assignees"]?.arrayValue?.compactMap { $0["login"]?.stringValue }, author: issue["user"]["login"]?.stringValue,
            updatedAt: updatedAt, isDeleted: isDeleted, transferredTo: transferredTo)
    }
}
