package lint

// Rule describes one finding code. docs/lint.md has a section per rule.
type Rule struct {
	Code string
	// Severity is the rule's documented severity; a data-aware rule raises
	// it to Error when it counts rows that make the migration fail, and
	// lowers it to Info when it counts none.
	Severity Severity
	// Engines lists the engines the rule applies to; nil for all.
	Engines []string
	// Reason is the one-line reason the rule exists.
	Reason string
	// Hint is the safe rewrite.
	Hint string
	// Destructive rules are acknowledged by the "-- retort: destructive"
	// mark on the statement.
	Destructive bool
}

// Rules returns every rule, by code.
func Rules() []Rule { return append([]Rule(nil), rules...) }

// RuleFor returns the rule of code.
func RuleFor(code string) (Rule, bool) {
	for _, r := range rules {
		if r.Code == code {
			return r, true
		}
	}
	return Rule{}, false
}

var (
	pg    = []string{"postgres"}
	my    = []string{"mysql"}
	lite  = []string{"sqlite"}
	rules = []Rule{
		{Code: "RT100", Severity: Error,
			Reason: "a -- retort:nolint comment that names no known rule code",
			Hint:   "write -- retort:nolint RT101[,RT106] with the codes to accept"},
		{Code: "RT101", Severity: Error, Destructive: true,
			Reason: "drops a table or column, or deletes every row: the data is lost on upgrade",
			Hint:   "move or back the data up first, make sure the down section can restore the schema, and mark the statement -- retort: destructive"},
		{Code: "RT102", Severity: Warning,
			Reason: "has no -- migrate:down section: downgrade stops here",
			Hint:   "add a down section (retort revision --autogenerate writes one)"},
		{Code: "RT103", Severity: Warning, Engines: lite,
			Reason: "PRAGMA foreign_keys (or legacy_alter_table) is a no-op inside the migration's transaction",
			Hint:   "remove it: retort switches foreign_keys off around every migration and checks foreign keys before COMMIT"},
		{Code: "RT104", Severity: Warning, Engines: my,
			Reason: "mixes schema and data changes: MySQL commits DDL implicitly, so a failure leaves half of it",
			Hint:   "put the data changes in a migration of their own"},
		{Code: "RT105", Severity: Warning,
			Reason: "drops one column (or table) and adds another: if it is a rename, the values are lost",
			Hint:   "write a RENAME instead, or put -- retort:renamed-from on the new name in schema.sql and autogenerate again"},
		{Code: "RT106", Severity: Error, Destructive: true,
			Reason: "narrows a column's type: values that do not fit are changed or refused",
			Hint:   "check that every value fits (retort's plan counts those that do not), then mark the statement -- retort: destructive"},
		{Code: "RT107", Severity: Warning,
			Reason: "adds a UNIQUE constraint, unique index or primary key to a table that already has rows: duplicates make it fail",
			Hint:   "remove the duplicates first (retort lint --url counts them)"},
		{Code: "RT108", Severity: Warning,
			Reason: "makes a column of a table that already has rows NOT NULL: NULLs make it fail",
			Hint:   "fill the NULLs first (UPDATE … SET col = … WHERE col IS NULL), or add the column with a DEFAULT"},
		{Code: "RT109", Severity: Warning,
			Reason: "adds a CHECK constraint to a table that already has rows: rows that fail it make the migration fail",
			Hint:   "fix the failing rows first (retort lint --url counts them)"},
		{Code: "RT110", Severity: Warning,
			Reason: "adds a foreign key to a table that already has rows: orphan rows make it fail",
			Hint:   "delete the orphans or add their parents first (retort lint --url counts them)"},
		{Code: "RT111", Severity: Warning, Engines: pg,
			Reason: "CREATE INDEX without CONCURRENTLY on an existing table blocks every write to it while the index builds",
			Hint:   "CREATE INDEX CONCURRENTLY in a segment of its own (-- retort:commit transaction:false before it)"},
		{Code: "RT112", Severity: Warning, Engines: pg,
			Reason: "adds a validated constraint to an existing table: the scan runs under a lock that blocks writes",
			Hint:   "ADD CONSTRAINT … NOT VALID, then -- retort:commit and VALIDATE CONSTRAINT in the next transaction; for UNIQUE/PRIMARY KEY, CREATE UNIQUE INDEX CONCURRENTLY then ADD CONSTRAINT … USING INDEX"},
		{Code: "RT113", Severity: Warning, Engines: pg,
			Reason: "changes a column's type in a way that rewrites the whole table under an exclusive lock",
			Hint:   "expand and contract: add a column of the new type, backfill it in batches, switch readers, then drop the old one"},
		{Code: "RT114", Severity: Warning, Engines: pg,
			Reason: "adds a column with a volatile default (or serial/identity) to an existing table: every row is rewritten under an exclusive lock",
			Hint:   "add the column without a default (or with a constant one), set the default, then backfill in batches"},
		{Code: "RT115", Severity: Warning, Engines: my,
			Reason: "makes MySQL copy the whole table (ALGORITHM=COPY, a column type or primary key change): writes wait or the table is read-only meanwhile",
			Hint:   "use an online schema-change tool (gh-ost, pt-online-schema-change) for large tables, or an INSTANT/INPLACE change"},
		{Code: "RT116", Severity: Warning,
			Reason: "renames a table or column: code still running against the old name breaks as soon as it runs",
			Hint:   "expand and contract: add the new name (a view or a copied column), move the code over, drop the old name in a later migration"},
		{Code: "RT117", Severity: Error,
			Reason: "drops a column that a view or trigger still uses",
			Hint:   "drop or redefine the view or trigger in the same migration, before the column"},
		{Code: "RT118", Severity: Error, Engines: lite,
			Reason: "leaves a foreign key that points at a table or columns that do not exist (or are not a key): every write to the table fails with \"foreign key mismatch\"",
			Hint:   "point the foreign key at the parent's primary key or a UNIQUE column, or drop it"},
		{Code: "RT119", Severity: Error, Engines: lite,
			Reason: "rebuilds a table without copying a column it keeps: the column's values are lost",
			Hint:   "name the column in the INSERT … SELECT of the rebuild"},
		{Code: "RT120", Severity: Error,
			Reason: "BEGIN, COMMIT, ROLLBACK or SAVEPOINT inside a migration breaks retort's transaction envelope and its progress record",
			Hint:   "remove it: use -- retort:commit to split a migration into transactions, and -- migrate:up transaction:false to run outside one"},
		{Code: "RT121", Severity: Warning, Engines: lite,
			Reason: "a PRAGMA changes the connection or the database file outside what the migration records",
			Hint:   "set connection pragmas in the URL (?_pragma=…); leave file-level ones out of migrations"},
		{Code: "RT122", Severity: Error,
			Reason: "the migration fails when replayed on an empty scratch database",
			Hint:   "fix the statement: it will fail on the real database as well"},
	}
)
