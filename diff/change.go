package diff

import "github.com/retortdb/retort/schema"

// Change is one difference between two schemas. The set of changes is
// closed: every implementation is one of the types below.
type Change interface{ change() }

// Schema-level changes.
type (
	// AddTable creates a table with its indexes and constraints.
	AddTable struct{ T *schema.Table }
	// DropTable drops a table. It is destructive.
	DropTable struct{ T *schema.Table }
	// ModifyTable groups the changes to one table that exists on both sides.
	ModifyTable struct {
		From, To *schema.Table
		Changes  []Change
	}
	// AddView creates a view.
	AddView struct{ V *schema.View }
	// DropView drops a view. A redefined view is a DropView and an AddView.
	DropView struct{ V *schema.View }
	// AddViewIndex creates an index on a materialized view that is kept
	// (a new or redefined view is created with its indexes).
	AddViewIndex struct {
		V *schema.View
		I *schema.Index
	}
	// DropViewIndex drops an index of a materialized view that is kept. A
	// redefined index is a DropViewIndex and an AddViewIndex.
	DropViewIndex struct {
		V *schema.View
		I *schema.Index
	}
	// AddTrigger creates a trigger.
	AddTrigger struct{ T *schema.Trigger }
	// DropTrigger drops a trigger.
	DropTrigger struct{ T *schema.Trigger }
	// AddRoutine creates a stored procedure, function or event. Compare
	// puts it before the tables (a view, trigger or generated column may
	// call it).
	AddRoutine struct{ R *schema.Routine }
	// AddSchema creates a schema (PostgreSQL namespace), when several are
	// managed. Compare puts it before everything else it adds.
	AddSchema struct{ Name string }
	// DropSchema drops a managed schema that the desired side lacks, after
	// everything in it was dropped. It is destructive.
	DropSchema struct{ Name string }
	// DropRoutine drops a routine. A redefined routine is a DropRoutine and
	// an AddRoutine, both before the tables; a routine that goes away is
	// dropped after the tables, views and triggers.
	DropRoutine struct{ R *schema.Routine }
)

// Type and sequence changes (PostgreSQL). Compare puts additions and
// modifications before the tables and drops after them.
type (
	// AddEnum creates an enum type.
	AddEnum struct{ E *schema.Enum }
	// DropEnum drops an enum type.
	DropEnum struct{ E *schema.Enum }
	// ModifyEnum changes an enum's labels.
	ModifyEnum struct{ From, To *schema.Enum }
	// AddSequence creates a sequence.
	AddSequence struct{ S *schema.Sequence }
	// DropSequence drops a sequence.
	DropSequence struct{ S *schema.Sequence }
	// ModifySequence changes a sequence's options.
	ModifySequence struct{ From, To *schema.Sequence }
)

// Table-level changes, found inside ModifyTable.Changes.
type (
	// AddColumn adds a column.
	AddColumn struct{ C *schema.Column }
	// DropColumn drops a column. It is destructive.
	DropColumn struct{ C *schema.Column }
	// ModifyColumn changes a column's type, nullability, default, collation,
	// generation or auto-increment; What says which.
	ModifyColumn struct {
		From, To *schema.Column
		What     ColumnChange
	}
	// AddIndex creates an index or a UNIQUE constraint.
	AddIndex struct{ I *schema.Index }
	// DropIndex drops an index or a UNIQUE constraint. A redefined index is a
	// DropIndex and an AddIndex.
	DropIndex struct{ I *schema.Index }
	// AddForeignKey adds a foreign key.
	AddForeignKey struct{ FK *schema.ForeignKey }
	// DropForeignKey drops a foreign key.
	DropForeignKey struct{ FK *schema.ForeignKey }
	// ModifyForeignKey recreates a foreign key whose identity (columns and
	// target) is unchanged but whose actions, deferral, MATCH or name differ.
	ModifyForeignKey struct {
		From, To *schema.ForeignKey
		What     FKChange
	}
	// AddCheck adds a CHECK constraint.
	AddCheck struct{ C *schema.Check }
	// DropCheck drops a CHECK constraint.
	DropCheck struct{ C *schema.Check }
	// ValidateCheck validates a CHECK constraint that is NOT VALID
	// (PostgreSQL): C is the desired, validated check.
	ValidateCheck struct{ C *schema.Check }
	// ModifyPrimaryKey changes the primary key (either side may be nil).
	ModifyPrimaryKey struct{ From, To *schema.PrimaryKey }
	// ModifyPartitionKey changes how a table is partitioned (PARTITION BY,
	// Table.PartitionBy), which means rebuilding it: PostgreSQL refuses it
	// in place.
	ModifyPartitionKey struct{ From, To *schema.Table }
	// ModifyPartitionOf makes a table a partition (ATTACH), a table of its
	// own (DETACH), or a partition of another table or with another bound
	// (both): Table.PartitionOf and PartitionBound differ.
	ModifyPartitionOf struct{ From, To *schema.Table }
	// ModifyTableOptions changes table options (SQLite WITHOUT ROWID, STRICT;
	// MySQL engine, charset and collation; comments).
	ModifyTableOptions struct{ From, To *schema.Table }
	// ModifyPartition changes a table's partitioning (Table.Partition; "" on
	// either side for none).
	ModifyPartition struct{ From, To *schema.Table }
	// ModifyRowSecurity changes a table's row-level security switches
	// (Table.RowSecurity, Table.ForceRowSecurity).
	ModifyRowSecurity struct{ From, To *schema.Table }
	// AddPolicy creates a row-level security policy. A redefined policy is
	// a DropPolicy and an AddPolicy.
	AddPolicy struct{ P *schema.Policy }
	// DropPolicy drops a row-level security policy.
	DropPolicy struct{ P *schema.Policy }
)

// ColumnChange is a set of column properties that differ.
type ColumnChange uint16

// Column properties.
const (
	ChangeType ColumnChange = 1 << iota
	ChangeNull
	ChangeDefault
	ChangeCollation
	ChangeGenerated
	ChangeAutoIncrement
	ChangeComment
	ChangeIdentity
	// ChangeOnUpdateExpr: MySQL's ON UPDATE CURRENT_TIMESTAMP.
	ChangeOnUpdateExpr
	// ChangeInvisible: MySQL's INVISIBLE.
	ChangeInvisible
	// ChangePosition: the column moves among the others (only with the
	// ColumnOrder option).
	ChangePosition
)

// FKChange is a set of foreign key properties that differ.
type FKChange uint8

// Foreign key properties.
const (
	ChangeOnDelete FKChange = 1 << iota
	ChangeOnUpdate
	ChangeDeferrable
	ChangeMatch
	ChangeName
	// ChangeValidated: the constraint is NOT VALID and should be validated.
	ChangeValidated
)

func (*AddSchema) change()          {}
func (*DropSchema) change()         {}
func (*AddRoutine) change()         {}
func (*DropRoutine) change()        {}
func (*ModifyPartition) change()    {}
func (*ModifyRowSecurity) change()  {}
func (*AddPolicy) change()          {}
func (*DropPolicy) change()         {}
func (*AddTable) change()           {}
func (*DropTable) change()          {}
func (*ModifyTable) change()        {}
func (*AddView) change()            {}
func (*DropView) change()           {}
func (*AddViewIndex) change()       {}
func (*DropViewIndex) change()      {}
func (*AddTrigger) change()         {}
func (*DropTrigger) change()        {}
func (*AddColumn) change()          {}
func (*DropColumn) change()         {}
func (*ModifyColumn) change()       {}
func (*AddIndex) change()           {}
func (*DropIndex) change()          {}
func (*AddForeignKey) change()      {}
func (*DropForeignKey) change()     {}
func (*ModifyForeignKey) change()   {}
func (*AddCheck) change()           {}
func (*DropCheck) change()          {}
func (*ValidateCheck) change()      {}
func (*ModifyPrimaryKey) change()   {}
func (*ModifyTableOptions) change() {}
func (*ModifyPartitionKey) change() {}
func (*ModifyPartitionOf) change()  {}
func (*AddEnum) change()            {}
func (*DropEnum) change()           {}
func (*ModifyEnum) change()         {}
func (*AddSequence) change()        {}
func (*DropSequence) change()       {}
func (*ModifySequence) change()     {}
