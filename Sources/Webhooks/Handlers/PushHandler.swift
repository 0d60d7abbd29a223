import Common

/// `push` (docs/github-protocol.md, section 14): no action; `head_commit` is null when the ref was deleted.
@Sendable func summarizePush(_ event: WebhookEvent) throws(HandlerError) -> JSONValue {
    let payload = event.payload
    let ref = try payload.requiredString("ref")
    let (refType, name): (String, String) =
        if ref.hasPrefix("refs/heads/") { ("branch", String(ref.dropFirst(11))) }
        else if ref.hasPrefix("refs/tags/") { ("tag", String(ref.dropFirst(10))) }
        else { ("other", ref) }
    let headCommit = payload["head_commit"].flatMap { $0.isObject ? $0 : nil }
    return [
        "ref": .string(ref),
        "ref_type": .string(refType),
        "name": .string(name),
        "before": payload.optional("before"),
        "after": payload.optional("after"),
        "created": payload.optional("created"),
        "deleted": payload.optional("deleted"),
        "forced": payload.optional("forced"),
        "commit_count": .int(Int64(payload["commits"]?.arrayValue?.count ?? 0)),
        "head_commit": headCommit.map { commit in
            ["id": commit.optional("id"), "message": .string(firstLine(commit["message"]?.stringValue ?? ""))]
        } ?? .null,
        "pusher": payload.optional("pusher", "name"),
    ]
}

/// `push`: the summary, a `pushes` row and the repository's last push, ordered by
/// `repository.pushed_at` (Unix seconds in push payloads).
@Sendable func handlePush(_ event: WebhookEvent) throws(HandlerError) -> HandlerResult {
    let summary = try summarizePush(event)
    let payload = event.payload
    guard let repositoryID = payload["repository"]["id"]?.int64Value,
          let repository = payload["repository"]["full_name"]?.stringValue,
          let ref = payload["ref"]?.stringValue
    else { return HandlerResult(summary: summary) }
    let headCommit = payload["head_commit"].flatMap { $0.isObject ? $0 : nil }
    let record = PushRecord(
        repositoryID: repositoryID, repository: repository, isPrivate: payload["repository"]["private"]?.boolValue, ref: ref,
        beforeSHA: payload["before"]?.stringValue, afterSHA: payload["after"]?.stringValue, isForced: payload["forced"]?.boolValue,
        isCreated: payload["created"]?.boolValue, isDeleted: payload["deleted"]?.boolValue,
        commitCount: payload["commits"]?.arrayValue?.count ?? 0, headCommitID: headCommit?["id"]?.stringValue,
        headCommitMessage: headCommit?["message"]?.stringValue.map { firstLine($0) }, pusher: payload["pusher"]["name"]?.stringValue,
        pushedAt: try payload.gitHubTime("repository", "pushed_at"))
    return HandlerResult(summary: summary, changes: [.push(record)])
}

/// The subject line of a commit message, capped so a summary stays small.
func firstLine(_ text: String, limit: Int = 200) -> String {
    let line = text.split(maxSplits: 1, omittingEmptySubsequences: false, whereSeparator: { $0.isNewline }).first.map(String.init) ?? ""
    return line.count > limit ? String(line.prefix(limit)) + "…" : line
}
