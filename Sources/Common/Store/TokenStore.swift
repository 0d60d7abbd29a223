/// Which kind of token a row holds.
public enum TokenKind: String, Sendable {
    /// `ghs_...`, one hour, owned by an installation.
    case installation
    /// `ghu_...`, eight hours with a rotating refresh token, owned by a user.
    case user
}

/// A token as stored: sealed bytes only (SecretBox), never the token itself.
public struct SealedToken: Sendable, Equatable {
    public var kind: TokenKind
    public var ownerID: Int64
    public var sealedToken: [UInt8]
    public var expiresAt: String?
    public var sealedRefreshToken: [UInt8]?
    public var refreshExpiresAt: String?
    public var updatedAt: String

    public init(kind: TokenKind, ownerID: Int64, sealedToken: [UInt8], expiresAt: String?, sealedRefreshToken: [UInt8]?,
                refreshExpiresAt: String?, updatedAt: String) {
        self.kind = kind
        self.ownerID = ownerID
        self.sealedToken = sealedToken
        self.expiresAt = expiresAt
        self.sealedRefreshToken = sealedRefreshToken
        self.refreshExpiresAt = refreshExpiresAt
        self.updatedAt = updatedAt
    }
}

/// The `tokens` table: all of its SQL.
public final class TokenStore {
    public let database: Database

    public init(database: Database) { self.database = database }

    public func token(kind: TokenKind, ownerID: Int64) throws -> SealedToken? {
        let statement = try database.connection.prepare("""
            SELECT sealed_token, expires_at, sealed_refresh_token, refresh_expires_at, updated_at
            FROM tokens WHERE kind = ? AND owner_id = ?
            """)
        try statement.bind([.text(kind.rawValue), .integer(ownerID)])
        guard try statement.step() else { return nil }
        return SealedToken(kind: kind, ownerID: ownerID, sealedToken: statement.blob(0), expiresAt: statement.text(1),
                           sealedRefreshToken: statement.isNull(2) ? nil : statement.blob(2), refreshExpiresAt: statement.text(3),
                           updatedAt: statement.text(4) ?? "")
    }

    public func save(_ token: SealedToken) throws {
        try database.write {
            try database.connection.prepare("""
                INSERT INTO tokens (kind, owner_id, sealed_token, expires_at, sealed_refresh_token, refresh_expires_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (kind, owner_id) DO UPDATE SET sealed_token = excluded.sealed_token, expires_at = excluded.expires_at,
                    sealed_refresh_token = excluded.sealed_refresh_token, refresh_expires_at = excluded.refresh_expires_at,
                    updated_at = excluded.updated_at
                """).run([
                    .text(token.kind.rawValue), .integer(token.ownerID), .blob(token.sealedToken), text(token.expiresAt),
                    token.sealedRefreshToken.map { .blob($0) } ?? .null, text(token.refreshExpiresAt), .text(token.updatedAt),
                ])
        }
    }
}
