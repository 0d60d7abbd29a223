/// The store's tables as the database describes them (for `StoreCopy`): SQLite's catalog or
/// PostgreSQL's for the store's schema (the search path's first).
struct StoreSchemaReader {
    let connection: any SQLConnection

    init(_ connection: any SQLConnection) { self.connection = connection }

    /// Base tables, not views, nor the databases' own (sqlite_*, PostgreSQL's schema_version).
    func tableNames() throws -> [String] {
        let statement = try connection.prepare(connection.dialect == .sqlite ? """
            SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name
            """ : """
            SELECT table_name FROM information_schema.tables
            WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'schema_version' ORDER BY table_name
            """)
        var names: [String] = []
        while try statement.step() { names.append(statement.text(0) ?? "") }
        return names
    }

    /// The table's columns in order, and its primary key's columns in the key's order.
    func columnsAndKey(of table: String) throws -> (columns: [String], key: [String]) {
        var columns: [String] = [], keyed: [(position: Int64, name: String)] = []
        if connection.dialect == .sqlite {
            let statement = try connection.prepare("SELECT name, pk FROM pragma_table_info(?) ORDER BY cid")
            try statement.bind([.text(table)])
            while try statement.step() {
                let name = statement.text(0) ?? ""
                columns.append(name)
                if statement.int64(1) > 0 { keyed.append((statement.int64(1), name)) }
            }
        } else {
            let statement = try connection.prepare("""
                SELECT c.column_name, coalesce(k.ordinal_position, 0) FROM information_schema.columns AS c
                LEFT JOIN information_schema.table_constraints AS t
                    ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.constraint_type = 'PRIMARY KEY'
                LEFT JOIN information_schema.key_column_usage AS k
                    ON k.constraint_name = t.constraint_name AND k.table_schema = c.table_schema AND k.column_name = c.column_name
                WHERE c.table_schema = current_schema() AND c.table_name = ? ORDER BY c.ordinal_position
                """)
            try statement.bind([.text(table)])
            while try statement.step() {
                let name = statement.text(0) ?? ""
                columns.append(name)
                if statement.int64(1) > 0 { keyed.append((statement.int64(1), name)) }
            }
        }
        return (columns, keyed.sorted { $0.position < $1.position }.map(\.name))
    }
}
