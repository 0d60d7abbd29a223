import Common

extension PullRequestRecord {
    /// A pull request object as GitHub sends it, in a `pull_request` webhook or from
    /// `GET /repos/{owner}/{repo}/pulls`. The list endpoint leaves out `merged`, so a merge is also
    /// read from `merged_at`. Nil without a number or an `updated_at`: nothing to key or order by.
    public init?(gitHub pullRequest: JSONNode, repository: String, number fallbackNumber: Int64? = nil) throws(HandlerError) {
        guard let number = pullRequest["number"]?.int64Value ?? fallbackNumber,
              let updatedAt = try pullRequest.gitHubTime("updated_at", in: "pull_request")
        else { return nil }
        let mergedAt = try pullRequest.gitHubTime("merged_at", in: "pull_request")
        self.init(
            repository: repository, number: number, title: pullRequest["title"]?.stringValue,
            state: pullRequest["state"]?.stringValue, isDraft: pullRequest["draft"]?.boolValue,
            isMerged: pullRequest["merged"]?.boolValue ?? (mergedAt != nil), mergedAt: mergedAt,
            author: pullRequest["user"]["login"]?.stringValue,
            headRef: pullRequest["head"]["ref"]?.stringValue, headSHA: pullRequest["head"]["sha"]?.stringValue,
            baseRef: pullRequest["base"]["ref"]?.stringValue, baseSHA: pullRequest["base"]["sha"]?.stringValue,
            labels: (pullRequest["labels"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue },
            updatedAt: updatedAt)
    }
}
