package mysql_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/retortdb/retort/dialect/mysql"
	"github.com/retortdb/retort/internal/sqlsplit"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []sqlsplit.Stmt
	}{
		{
			name: "statements and comments",
			src:  "# a comment\nCREATE TABLE a (x int); -- trailing\n\n/* block */ INSERT INTO a VALUES (1);",
			want: []sqlsplit.Stmt{{SQL: "CREATE TABLE a (x int)", Line: 2}, {SQL: "INSERT INTO a VALUES (1)", Line: 4}},
		},
		{
			name: "backslash escapes in strings",
			src:  "INSERT INTO a VALUES ('it\\'s; fine');\nSELECT 1;",
			want: []sqlsplit.Stmt{{SQL: "INSERT INTO a VALUES ('it\\'s; fine')", Line: 1}, {SQL: "SELECT 1", Line: 2}},
		},
		{
			name: "trigger with IF and CASE",
			src: "CREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW\nBEGIN\n  IF NEW.x < 0 THEN\n    SET NEW.x = 0;\n  END IF;\n" +
				"  SET NEW.y = CASE WHEN NEW.x > 1 THEN 1 ELSE 0 END;\n  CASE NEW.x WHEN 1 THEN SET NEW.z = 1; ELSE SET NEW.z = 2; END CASE;\nEND;\nSELECT 2;",
			want: []sqlsplit.Stmt{
				{SQL: "CREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW\nBEGIN\n  IF NEW.x < 0 THEN\n    SET NEW.x = 0;\n  END IF;\n" +
					"  SET NEW.y = CASE WHEN NEW.x > 1 THEN 1 ELSE 0 END;\n  CASE NEW.x WHEN 1 THEN SET NEW.z = 1; ELSE SET NEW.z = 2; END CASE;\nEND", Line: 1},
				{SQL: "SELECT 2", Line: 9},
			},
		},
		{
			name: "definer and loops",
			src:  "CREATE DEFINER=`root`@`%` PROCEDURE p()\nBEGIN\n  l: LOOP\n    LEAVE l;\n  END LOOP l;\n  WHILE 0 DO SELECT 1; END WHILE;\nEND;",
			want: []sqlsplit.Stmt{{SQL: "CREATE DEFINER=`root`@`%` PROCEDURE p()\nBEGIN\n  l: LOOP\n    LEAVE l;\n  END LOOP l;\n  WHILE 0 DO SELECT 1; END WHILE;\nEND", Line: 1}},
		},
		{
			name: "DELIMITER as mysqldump writes it",
			src: "/*!40101 SET NAMES utf8mb4 */;\nDELIMITER ;;\n/*!50003 CREATE*/ /*!50003 TRIGGER t BEFORE INSERT ON a FOR EACH ROW BEGIN SET NEW.x = 1; END */;;\n" +
				"DELIMITER ;\nSELECT 3;",
			want: []sqlsplit.Stmt{
				{SQL: "/*!40101 SET NAMES utf8mb4 */", Line: 1},
				{SQL: "/*!50003 CREATE*/ /*!50003 TRIGGER t BEFORE INSERT ON a FOR EACH ROW BEGIN SET NEW.x = 1; END */", Line: 3},
				{SQL: "SELECT 3", Line: 5},
			},
		},
		{
			name: "MariaDB compound statement",
			src:  "BEGIN NOT ATOMIC\n  DECLARE n INT;\n  SELECT 1 INTO n;\nEND;\nBEGIN;\nCOMMIT;",
			want: []sqlsplit.Stmt{
				{SQL: "BEGIN NOT ATOMIC\n  DECLARE n INT;\n  SELECT 1 INTO n;\nEND", Line: 1},
				{SQL: "BEGIN", Line: 5},
				{SQL: "COMMIT", Line: 6},
			},
		},
		{
			name: "retort:begin block",
			src:  "-- retort:begin\nCREATE TRIGGER t AFTER UPDATE ON a FOR EACH ROW BEGIN\n  IF 1 THEN SET @x = 1; END IF;\nEND;\n-- retort:end\n;\nSELECT 4;",
			want: []sqlsplit.Stmt{
				{SQL: "CREATE TRIGGER t AFTER UPDATE ON a FOR EACH ROW BEGIN\n  IF 1 THEN SET @x = 1; END IF;\nEND", Line: 2},
				{SQL: "SELECT 4", Line: 7},
			},
		},
		{
			name: "no final semicolon",
			src:  "SELECT 5",
			want: []sqlsplit.Stmt{{SQL: "SELECT 5", Line: 1}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := mysql.Split(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("Split (-want +got):\n%s", d)
			}
		})
	}
}

func TestSplitErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{name: "unterminated block", src: "SELECT 1;\nCREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW BEGIN SET NEW.x = 1;", want: "line 2: unterminated BEGIN … END block (1 open)"},
		{name: "end without begin", src: "SELECT 1;\n-- retort:end\n", want: "line 2: -- retort:end without -- retort:begin"},
		{name: "begin without end", src: "-- retort:begin\nSELECT 1;", want: "line 1: -- retort:begin without -- retort:end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := mysql.Split(tt.src)
			if err == nil || err.Error() != tt.want {
				t.Errorf("Split error = %v, want %q", err, tt.want)
			}
		})
	}
}
