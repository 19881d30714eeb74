package diff

import (
	"fmt"
	"slices"
	"strings"

	"github.com/retortdb/retort/schema"
)

// Describe returns one human-readable line per change, such as
// "notes: foreign key notes_author_id_fkey ON DELETE NO ACTION → CASCADE".
// A ModifyTable yields one line per change inside it.
func Describe(changes []Change) []string {
	var out []string
	for _, c := range changes {
		if line, ok := describePG(c); ok {
			out = append(out, line)
			continue
		}
		switch c := c.(type) {
		case *ModifyTable:
			for _, tc := range c.Changes {
				out = append(out, c.To.QualifiedName()+": "+describeTableChange(c.To, tc))
			}
		case *AddTable:
			out = append(out, fmt.Sprintf("%s: new table", c.T.QualifiedName()))
		case *DropTable:
			out = append(out, fmt.Sprintf("%s: table dropped", c.T.QualifiedName()))
		case *AddSchema:
			out = append(out, fmt.Sprintf("schema %s: created", c.Name))
		case *DropSchema:
			out = append(out, fmt.Sprintf("schema %s: dropped", c.Name))
		case *AddView:
			out = append(out, fmt.Sprintf("view %s: created", schema.QualifiedName(c.V.Schema, c.V.Name)))
		case *DropView:
			out = append(out, fmt.Sprintf("view %s: dropped", schema.QualifiedName(c.V.Schema, c.V.Name)))
		case *AddViewIndex:
			out = append(out, fmt.Sprintf("view %s: %s %s added", schema.QualifiedName(c.V.Schema, c.V.Name), indexWord(c.I), indexLabel(c.I)))
		case *DropViewIndex:
			out = append(out, fmt.Sprintf("view %s: %s %s dropped", schema.QualifiedName(c.V.Schema, c.V.Name), indexWord(c.I), indexLabel(c.I)))
		case *AddTrigger:
			out = append(out, fmt.Sprintf("trigger %s on %s: created", c.T.Name, c.T.Table))
		case *DropTrigger:
			out = append(out, fmt.Sprintf("trigger %s on %s: dropped", c.T.Name, c.T.Table))
		case *AddRoutine:
			out = append(out, fmt.Sprintf("%s %s: created", strings.ToLower(c.R.Kind), routineLabel(c.R)))
		case *DropRoutine:
			out = append(out, fmt.Sprintf("%s %s: dropped", strings.ToLower(c.R.Kind), routineLabel(c.R)))
		case *AddEnum:
			out = append(out, fmt.Sprintf("type %s: new enum (%s)", schema.QualifiedName(c.E.Schema, c.E.Name), strings.Join(c.E.Values, ", ")))
		case *DropEnum:
			out = append(out, fmt.Sprintf("type %s: enum dropped", schema.QualifiedName(c.E.Schema, c.E.Name)))
		case *ModifyEnum:
			out = append(out, fmt.Sprintf("type %s: enum values (%s) → (%s)", schema.QualifiedName(c.To.Schema, c.To.Name),
				strings.Join(c.From.Values, ", "), strings.Join(c.To.Values, ", ")))
		case *AddSequence:
			out = append(out, fmt.Sprintf("sequence %s: created", schema.QualifiedName(c.S.Schema, c.S.Name)))
		case *DropSequence:
			out = append(out, fmt.Sprintf("sequence %s: dropped", schema.QualifiedName(c.S.Schema, c.S.Name)))
		case *ModifySequence:
			out = append(out, fmt.Sprintf("sequence %s: options changed", schema.QualifiedName(c.To.Schema, c.To.Name)))
		case *RenameTable, *RenameColumn, *RenameIndex:
			out = append(out, describeRename(c))
		}
	}
	return out
}

// IsDestructive reports whether c loses data: a dropped table or column.
// For a ModifyTable it reports whether any change inside it does.
func IsDestructive(c Change) bool {
	switch c := c.(type) {
	case *DropTable, *DropColumn, *DropSchema:
		return true
	case *ModifyTable:
		for _, tc := range c.Changes {
			if IsDestructive(tc) {
				return true
			}
		}
	}
	return false
}

// Destructive returns a line for each destructive change in changes, e.g.
// "drop column notes.body".
func Destructive(changes []Change) []string {
	var out []string
	for _, c := range changes {
		switch c := c.(type) {
		case *DropTable:
			out = append(out, "drop table "+c.T.QualifiedName())
		case *DropSchema:
			out = append(out, "drop schema "+c.Name)
		case *ModifyTable:
			for _, tc := range c.Changes {
				if d, ok := tc.(*DropColumn); ok {
					out = append(out, "drop column "+c.To.QualifiedName()+"."+d.C.Name)
				}
			}
		}
	}
	return out
}

func describeTableChange(t *schema.Table, c Change) string {
	if line, ok := describePG(c); ok {
		return line
	}
	switch c := c.(type) {
	case *RenameIndex:
		return describeIndexRename(c)
	case *AddColumn:
		return fmt.Sprintf("column %s added (%s)", c.C.Name, c.C.Type)
	case *DropColumn:
		return fmt.Sprintf("column %s dropped", c.C.Name)
	case *ModifyColumn:
		return describeColumnChange(c)
	case *AddIndex:
		return fmt.Sprintf("%s %s added", indexWord(c.I), indexLabel(c.I))
	case *DropIndex:
		return fmt.Sprintf("%s %s dropped", indexWord(c.I), indexLabel(c.I))
	case *AddForeignKey:
		return fmt.Sprintf("foreign key %s added", fkLabel(c.FK))
	case *DropForeignKey:
		return fmt.Sprintf("foreign key %s dropped", fkLabel(c.FK))
	case *ModifyForeignKey:
		return describeFKChange(c)
	case *AddCheck:
		return fmt.Sprintf("check %s added", checkLabel(c.C))
	case *DropCheck:
		return fmt.Sprintf("check %s dropped", checkLabel(c.C))
	case *ValidateCheck:
		return fmt.Sprintf("check %s NOT VALID → validated", checkLabel(c.C))
	case *ModifyPrimaryKey:
		if c.From != nil && c.To != nil && c.From.Comment != c.To.Comment && pkLabel(c.From) == pkLabel(c.To) {
			return fmt.Sprintf("primary key %s comment changed", pkLabel(c.To))
		}
		return fmt.Sprintf("primary key %s → %s", pkLabel(c.From), pkLabel(c.To))
	case *ModifyRowSecurity:
		return fmt.Sprintf("row level security %s → %s", rlsWord(c.From), rlsWord(c.To))
	case *AddPolicy:
		return fmt.Sprintf("policy %s created", c.P.Name)
	case *DropPolicy:
		return fmt.Sprintf("policy %s dropped", c.P.Name)
	case *ModifyPartition:
		return fmt.Sprintf("partitioning %s → %s", orNone(c.From.Partition), orNone(c.To.Partition))
	case *ModifyPartitionKey:
		return fmt.Sprintf("partitioning %s → %s", orNone(c.From.PartitionBy), orNone(c.To.PartitionBy))
	case *ModifyPartitionOf:
		return fmt.Sprintf("partition of %s → %s", partitionLabel(c.From), partitionLabel(c.To))
	case *ModifyTableOptions:
		if c.From.WithoutRowID == c.To.WithoutRowID && c.From.Strict == c.To.Strict {
			return describeMySQLOptions(c.From, c.To)
		}
		return fmt.Sprintf("table options changed (without rowid %t → %t, strict %t → %t)",
			c.From.WithoutRowID, c.To.WithoutRowID, c.From.Strict, c.To.Strict)
	}
	return fmt.Sprintf("%T", c)
}

// describeColumnChange names what changes in a column.
func describeColumnChange(c *ModifyColumn) string {
	var parts []string
	if c.What&ChangeType != 0 {
		parts = append(parts, fmt.Sprintf("type %s → %s", c.From.Type, c.To.Type))
	}
	if c.What&ChangeNull != 0 {
		parts = append(parts, fmt.Sprintf("%s → %s", nullWord(c.From.NotNull), nullWord(c.To.NotNull)))
	}
	if c.What&ChangeDefault != 0 {
		parts = append(parts, fmt.Sprintf("default %s → %s", orNone(c.From.Default), orNone(c.To.Default)))
	}
	if c.What&ChangeCollation != 0 {
		parts = append(parts, fmt.Sprintf("collation %s → %s", orNone(c.From.Collation), orNone(c.To.Collation)))
	}
	if c.What&ChangeGenerated != 0 {
		parts = append(parts, "generation changed")
	}
	if c.What&ChangeAutoIncrement != 0 {
		parts = append(parts, fmt.Sprintf("autoincrement %t → %t", c.From.AutoIncrement, c.To.AutoIncrement))
	}
	if c.What&ChangeComment != 0 {
		parts = append(parts, "comment changed")
	}
	if c.What&ChangeIdentity != 0 {
		if strings.EqualFold(c.From.Identity, c.To.Identity) {
			parts = append(parts, "identity sequence options changed")
		} else {
			parts = append(parts, fmt.Sprintf("identity %s → %s", orNone(c.From.Identity), orNone(c.To.Identity)))
		}
	}
	if c.What&ChangeOnUpdateExpr != 0 {
		parts = append(parts, fmt.Sprintf("on update %s → %s", orNone(c.From.OnUpdate), orNone(c.To.OnUpdate)))
	}
	if c.What&ChangeInvisible != 0 {
		parts = append(parts, fmt.Sprintf("invisible %t → %t", c.From.Invisible, c.To.Invisible))
	}
	if c.What&ChangePosition != 0 {
		parts = append(parts, "moved")
	}
	parts = append(parts, describePGColumn(c)...)
	return fmt.Sprintf("column %s %s", c.To.Name, strings.Join(parts, ", "))
}

// describeFKChange names what changes in a foreign key.
func describeFKChange(c *ModifyForeignKey) string {
	var parts []string
	if c.What&ChangeOnDelete != 0 {
		parts = append(parts, fmt.Sprintf("ON DELETE %s → %s", c.From.OnDelete, c.To.OnDelete))
	}
	if c.What&ChangeOnUpdate != 0 {
		parts = append(parts, fmt.Sprintf("ON UPDATE %s → %s", c.From.OnUpdate, c.To.OnUpdate))
	}
	if c.What&ChangeDeferrable != 0 {
		parts = append(parts, fmt.Sprintf("%s → %s", deferWord(c.From), deferWord(c.To)))
	}
	if c.What&ChangeMatch != 0 {
		parts = append(parts, fmt.Sprintf("MATCH %s → %s", orNone(c.From.Match), orNone(c.To.Match)))
	}
	if c.What&ChangeName != 0 {
		parts = append(parts, fmt.Sprintf("renamed %s → %s", c.From.Name, c.To.Name))
	}
	if c.What&ChangeValidated != 0 {
		parts = append(parts, "NOT VALID → validated")
	}
	label := fkLabel(c.From)
	if c.From.Name == "" && c.To.Name != "" {
		label = c.To.Name
	}
	return fmt.Sprintf("foreign key %s %s", label, strings.Join(parts, ", "))
}

// describeMySQLOptions lists the table options (engine, charset,
// collation, comment, row format, key block size) that differ.
func describeMySQLOptions(from, to *schema.Table) string {
	var parts []string
	if !strings.EqualFold(from.Engine, to.Engine) {
		parts = append(parts, fmt.Sprintf("engine %s → %s", orDefault(from.Engine), orDefault(to.Engine)))
	}
	if !strings.EqualFold(from.Charset, to.Charset) {
		parts = append(parts, fmt.Sprintf("charset %s → %s", orDefault(from.Charset), orDefault(to.Charset)))
	}
	if !strings.EqualFold(from.Collation, to.Collation) {
		parts = append(parts, fmt.Sprintf("collation %s → %s", orDefault(from.Collation), orDefault(to.Collation)))
	}
	if from.Comment != to.Comment {
		parts = append(parts, "comment changed")
	}
	if !strings.EqualFold(from.RowFormat, to.RowFormat) {
		parts = append(parts, fmt.Sprintf("row format %s → %s", orDefault(from.RowFormat), orDefault(to.RowFormat)))
	}
	if from.KeyBlockSize != to.KeyBlockSize {
		parts = append(parts, fmt.Sprintf("key block size %d → %d", from.KeyBlockSize, to.KeyBlockSize))
	}
	if from.Unlogged != to.Unlogged {
		parts = append(parts, fmt.Sprintf("unlogged %t → %t", from.Unlogged, to.Unlogged))
	}
	return "table options changed (" + strings.Join(parts, ", ") + ")"
}

// routineLabel names a routine, with its identity signature when the
// engine overloads by argument types (PostgreSQL).
func routineLabel(r *schema.Routine) string {
	if r.Args != "" || r.Kind == schema.Aggregate {
		return r.Name + "(" + r.Args + ")"
	}
	return r.Name
}

func rlsWord(t *schema.Table) string {
	switch {
	case t.ForceRowSecurity && t.RowSecurity:
		return "enabled, forced"
	case t.ForceRowSecurity:
		return "disabled, forced"
	case t.RowSecurity:
		return "enabled"
	}
	return "disabled"
}

func orDefault(s string) string {
	if s == "" {
		return "default"
	}
	return s
}

func nullWord(notNull bool) string {
	if notNull {
		return "NOT NULL"
	}
	return "NULL"
}

func deferWord(fk *schema.ForeignKey) string {
	switch {
	case fk.InitiallyDeferred:
		return "DEFERRABLE INITIALLY DEFERRED"
	case fk.Deferrable:
		return "DEFERRABLE"
	}
	return "NOT DEFERRABLE"
}

func partitionLabel(t *schema.Table) string {
	if t.PartitionOf == "" {
		return "none"
	}
	return t.PartitionOf + " " + t.PartitionBound
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func indexWord(ix *schema.Index) string {
	if ix.Constraint {
		return "unique constraint"
	}
	if ix.Unique {
		return "unique index"
	}
	return "index"
}

func indexLabel(ix *schema.Index) string {
	if ix.Name != "" {
		return ix.Name
	}
	var cols []string
	for _, p := range ix.Parts {
		if p.Column != "" {
			cols = append(cols, p.Column)
		} else {
			cols = append(cols, p.Expr)
		}
	}
	return "(" + strings.Join(cols, ", ") + ")"
}

func fkLabel(fk *schema.ForeignKey) string {
	target := fmt.Sprintf("(%s) → %s(%s)", strings.Join(fk.Columns, ", "), fk.RefTable, strings.Join(fk.RefColumns, ", "))
	if fk.Name != "" {
		return fk.Name
	}
	return target
}

func checkLabel(c *schema.Check) string {
	if c.Name != "" {
		return c.Name
	}
	return "(" + c.Expr + ")"
}

func pkLabel(pk *schema.PrimaryKey) string {
	if pk == nil {
		return "none"
	}
	cols := slices.Clone(pk.Columns)
	for i, p := range pk.Parts[:min(len(pk.Parts), len(cols))] {
		if p.Collation != "" {
			cols[i] += " COLLATE " + p.Collation
		}
		if p.Desc {
			cols[i] += " DESC"
		}
	}
	label := "(" + strings.Join(cols, ", ") + ")"
	if pk.OnConflict != "" {
		label += " ON CONFLICT " + pk.OnConflict
	}
	if len(pk.Include) > 0 {
		label += " INCLUDE (" + strings.Join(pk.Include, ", ") + ")"
	}
	if len(pk.StorageParams) > 0 {
		label += " WITH (" + strings.Join(pk.StorageParams, ", ") + ")"
	}
	return label
}
