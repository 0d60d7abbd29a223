import PostgreSQL

/// Whether `error` is storage that is unavailable now but may come back: SQLite's file locked,
/// read-only, full or failing; PostgreSQL's connection lost, the server shutting down, out of
/// resources, or a transaction it ended to break a deadlock or a serialization conflict. Such a
/// failure is no fault of the request: it answers 503 (GitHub's delivery can be sent again), and
/// the connection is reopened before the next use.
public func isTransientStorageFault(_ error: any Error) -> Bool {
    switch error {
    case let error as SQLiteError:
        return error.isTransient
    case let error as PostgreSQLError:
        guard !error.connectionLost else { return true }
        let state = error.sqlState ?? ""
        // 08 connection exception, 53 insufficient resources, 57 operator intervention (shutdown,
        // cancel), 58 system error, 40 transaction rollback (deadlock, serialization), 25006
        // read-only transaction (a standby after a failover).
        return ["08", "53", "57", "58", "40"].contains(String(state.prefix(2))) || state == "25006"
    default:
        return false
    }
}
