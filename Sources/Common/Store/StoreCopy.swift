/// `hubsync store copy --from SRC --to DST`: the whole store from one database to another (SQLite
/// to PostgreSQL and back, or between two of either), table by table, by comparing the two rather
/// than by appending: each run reads both sides, writes to the destination only the rows it lacks
/// or holds differently, and deletes those the source no longer has. So a run that stopped half-way
/// resumes by running again, and a copy taken while the programs run is brought up to date by a
/// last run once they are stopped (it writes only what changed meanwhile).
///
/// Verification reads both sides again: per table the row count and an order-free checksum of the
/// rows (the sum of each row's keyed SHA-256, so the two databases' sort orders of text do not
/// matter), which must agree.
public struct StoreCopy {
    public struct TableReport: Sendable, Equatable {
        public var table: String
        public var rows: Int
        public var written: Int
        public var deleted: Int
        public var checksum: UInt64
    }

    /// Rows read from each side at a time for a table keyed by one integer (the large ones:
    /// deliveries and their states, the outbox); other tables are small and read whole.
    public static let chunkRows = 1_000
    /// Parents first, so that foreign keys hold at every commit; the others follow by name.
    static let parentTables = ["deliveries", "action_versions", "outbox", "backfill_runs"]

    let source: Database
    let destination: Database

    public init(from source: Database, to destination: Database) {
        self.source = source
        self.destination = destination
    }

    /// Brings the destination to the source's rows; one report per table.
    public func copy() throws -> [TableReport] {
        try tables().map { try synchronize($0, writing: true) }
    }

    /// Compares the two without writing: per table the source's count and checksum, and whether
    /// the destination's agree.
    public func verify() throws -> [(source: TableReport, matches: Bool)] {
        try tables().map { table in
            let source = try synchronize(table, writing: false)
            return (source, source.written == 0 && source.deleted == 0)
        }
    }

    struct Table {
        var name: String
        var columns: [String]
        /// The primary key's columns, in order.
        var key: [String]
        var hasIntegerKey: Bool
    }

    /// The source's tables with their columns and keys (the destination has the same: same
    /// schema version, checked first).
    func tables() throws -> [Table] {
        let (sourceVersion, destinationVersion) = (try source.schemaVersion(), try destination.schemaVersion())
        guard sourceVersion == destinationVersion else {
            throw StoreCopyError.schemaVersionsDiffer(source: sourceVersion, destination: destinationVersion)
        }
        let names = try StoreSchemaReader(source.connection).tableNames()
        let ordered = StoreCopy.parentTables.filter(names.contains) + names.filter { !StoreCopy.parentTables.contains($0) }.sorted()
        return try ordered.map { name in
            let (columns, key) = try StoreSchemaReader(source.connection).columnsAndKey(of: name)
            guard !key.isEmpty else { throw StoreCopyError.noPrimaryKey(name) }
            // The schema's single-column integer keys (ids GitHub or the store gives): read in
            // chunks by range. Any other key (text, or several columns) is read whole: correct for
            // any table, only slower for a large one.
            return Table(name: name, columns: columns, key: key, hasIntegerKey: key.count == 1 && [
                "id", "event_id", "repository_id", "installation_id", "hook_id", "run_id",
            ].contains(key[0]))
        }
    }

    /// One table: its source rows against the destination's, chunk by chunk (or whole), writing
    /// the differences when `writing`; counts them either way.
    func synchronize(_ table: Table, writing: Bool) throws -> TableReport {
        var report = TableReport(table: table.name, rows: 0, written: 0, deleted: 0, checksum: 0)
        let columns = table.columns.joined(separator: ", ")
        let keyCount = table.key.count
        func compare(_ sourceRows: [[SQLValue]], _ destinationRows: [[SQLValue]]) throws {
            var held: [[SQLValue]: [SQLValue]] = [:]
            for row in destinationRows { held[Array(row.prefix(keyCount))] = row }
            var changed: [[SQLValue]] = []
            for row in sourceRows {
                report.rows += 1
                report.checksum &+= StoreCopy.rowHash(row)
                let key = Array(row.prefix(keyCount))
                if held.removeValue(forKey: key) != row { changed.append(row) }
            }
            report.written += changed.count
            report.deleted += held.count
            guard writing, !changed.isEmpty || !held.isEmpty else { return }
            try destination.write {
                // Deleted first: a row the source no longer has may hold a unique value a changed one takes.
                let delete = try destination.connection.prepare(
                    "DELETE FROM \(table.name) WHERE " + table.key.map { "\($0) = ?" }.joined(separator: " AND "))
                for key in held.keys { try delete.run(key) }
                let upsert = try destination.connection.prepare(upsertSQL(table))
                for row in changed { try upsert.run(Array(row.dropFirst(keyCount))) }
            }
        }
        // The key's columns first (a row's key is its prefix), then every column.
        let select = "SELECT \(table.key.joined(separator: ", ")), \(columns) FROM \(table.name)"
        if table.hasIntegerKey {
            let key = table.key[0]
            var after = Int64.min
            while true {
                let sourceRows = try rows(source, "\(select) WHERE \(key) > ? ORDER BY \(key) LIMIT \(StoreCopy.chunkRows)", [.integer(after)])
                guard let last = sourceRows.last, case .integer(let upper) = last[0] else {
                    try compare([], try rows(destination, "\(select) WHERE \(key) > ?", [.integer(after)]))
                    break
                }
                try compare(sourceRows, try rows(destination, "\(select) WHERE \(key) > ? AND \(key) <= ?", [.integer(after), .integer(upper)]))
                after = upper
            }
        } else {
            try compare(try rows(source, select, []), try rows(destination, select, []))
        }
        if writing && destination.dialect == .postgreSQL && table.hasIntegerKey && table.key == ["id"] {
            // Ids given explicitly do not move an identity's sequence: the next row would take id 1.
            _ = try destination.connection.scalarInt("""
                SELECT setval(pg_get_serial_sequence('\(table.name)', 'id'), greatest(coalesce(max(id), 0), 1), max(id) IS NOT NULL)
                FROM \(table.name)
                """)
        }
        return report
    }

    /// INSERT, or on the key's conflict UPDATE of every other column: the row as the source has it.
    /// (Columns as `key columns, all columns`: the first are dropped when binding.)
    private func upsertSQL(_ table: Table) -> String {
        let others = table.columns.filter { !table.key.contains($0) }
        let update = others.isEmpty ? "DO NOTHING" : "DO UPDATE SET " + others.map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
        return """
            INSERT INTO \(table.name) (\(table.columns.joined(separator: ", "))) VALUES (\(table.columns.map { _ in "?" }.joined(separator: ", ")))
            ON CONFLICT (\(table.key.joined(separator: ", "))) \(update)
            """
    }

    private func rows(_ database: Database, _ sql: String, _ values: [SQLValue]) throws -> [[SQLValue]] {
        let statement = try database.connection.prepare(sql)
        try statement.bind(values)
        defer { statement.reset() }
        var rows: [[SQLValue]] = []
        while try statement.step() {
            let count = statement.columnCount
            var row: [SQLValue] = []
            row.reserveCapacity(Int(count))
            for column in 0..<count { row.append(statement.value(column)) }
            rows.append(row)
        }
        return rows
    }

    /// The first 8 bytes of a keyed SHA-256 of the row's values, each tagged with its kind and length.
    static func rowHash(_ row: [SQLValue]) -> UInt64 {
        var encoded: [UInt8] = []
        func append(_ tag: UInt8, _ bytes: [UInt8]) {
            encoded.append(tag)
            withUnsafeBytes(of: UInt64(bytes.count).bigEndian) { encoded += $0 }
            encoded += bytes
        }
        for value in row {
            switch value {
            case .null: append(0, [])
            case .integer(let number): withUnsafeBytes(of: number.bigEndian) { append(1, Array($0)) }
            case .text(let text): append(2, Array(text.utf8))
            case .blob(let bytes): append(3, bytes)
            }
        }
        let digest = HMACSHA256.authenticationCode(key: Array("pulser-hub-sync store copy".utf8), message: encoded)
        return digest.prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }
}

public enum StoreCopyError: Error, CustomStringConvertible {
    case schemaVersionsDiffer(source: Int, destination: Int)
    case noPrimaryKey(String)

    public var description: String {
        switch self {
        case .schemaVersionsDiffer(let source, let destination):
            "the source's schema version is \(source) and the destination's \(destination): upgrade the program and open both first (hubsync init)"
        case .noPrimaryKey(let table): "table \(table) has no primary key"
        }
    }
}
