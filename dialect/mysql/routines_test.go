package mysql_test

import (
	"context"
	"strings"
	"testing"

	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/schema"
)

// Objects retort does not model are reported by kind and count, never
// silently skipped: MariaDB sequences, a system-versioned table, a
// subpartitioned table and an IGNORED index.
func TestUnmodelledObjectsAreReported(t *testing.T) {
	db, _, d := newDB(t)
	run(t, db, "schema", `CREATE TABLE t (id int PRIMARY KEY);
CREATE SEQUENCE s1;
CREATE SEQUENCE s2;
CREATE TABLE hist (id int PRIMARY KEY) WITH SYSTEM VERSIONING;
CREATE TABLE ix (id int PRIMARY KEY, a int, b int, KEY a_idx (a) IGNORED, KEY b_idx (b));
CREATE TABLE sub (id int, y int, PRIMARY KEY (id, y)) PARTITION BY RANGE (y) SUBPARTITION BY HASH (id) SUBPARTITIONS 2
  (PARTITION p0 VALUES LESS THAN (10), PARTITION p1 VALUES LESS THAN MAXVALUE);`)
	s := inspect(t, d, db)
	if got, want := schema.DescribeUnmanaged(s.Unmanaged),
		"ignored index: 1 (a_idx on ix); sequence: 2 (s1, s2); subpartitioned table: 1 (sub); system-versioned table: 1 (hist)"; got != want {
		t.Errorf("unmanaged:\n got %s\nwant %s", got, want)
	}
	if tb, ok := s.Table("sub"); !ok || tb.Partition != "" {
		t.Errorf("subpartitioned table: %+v, want it inspected without partitioning", tb)
	}
}

// Partitioning a table that has foreign keys, or that one references, is
// refused before anything runs, with the reason. (The server refuses to
// load such a schema, so the desired one is the current one with the
// partitioning added.)
func TestPartitioningWithForeignKeysIsRefused(t *testing.T) {
	db, _, d := newDB(t)
	run(t, db, "from.sql", "CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE c (id int PRIMARY KEY, p_id int, FOREIGN KEY (p_id) REFERENCES p (id));")
	current := inspect(t, d, db)
	for _, tt := range []struct{ table, want string }{
		{"c", "c: cannot partition a table with foreign keys"},
		{"p", "p: cannot partition a table that foreign key"},
	} {
		t.Run(tt.table, func(t *testing.T) {
			to := *current
			to.Tables = nil
			for _, tb := range current.Tables {
				if tb.Name == tt.table {
					cp := *tb
					cp.Partition = "PARTITION BY HASH (`id`) PARTITIONS 2"
					tb = &cp
				}
				to.Tables = append(to.Tables, tb)
			}
			_, err := d.Plan(context.Background(), current, &to, diff.Compare(current, &to))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Plan error = %v, want %q", err, tt.want)
			}
		})
	}
}
