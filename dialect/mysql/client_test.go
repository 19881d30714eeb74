package mysql_test

import (
	"os/exec"
	"strings"
	"testing"

	gomysql "github.com/go-sql-driver/mysql"
)

// clientArgs returns the mariadb/mysql client arguments that connect to
// the database of a go-sql-driver DSN.
func clientArgs(t *testing.T, dsn string) []string {
	t.Helper()
	cfg, err := gomysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := strings.Cut(cfg.Addr, ":")
	args := []string{"--batch", "-h", host, "-u", cfg.User}
	if port != "" {
		args = append(args, "-P", port)
	}
	if cfg.Passwd != "" {
		args = append(args, "-p"+cfg.Passwd)
	}
	return append(args, cfg.DBName)
}

// What inspect --format sql prints loads with the mariadb (or mysql)
// client into an empty database, for every kind of object, and that
// database inspects equal to the original.
func TestSQLLoadsWithTheClient(t *testing.T) {
	client, err := exec.LookPath("mariadb")
	if err != nil {
		if client, err = exec.LookPath("mysql"); err != nil {
			t.Skip("needs the mariadb or mysql client")
		}
	}
	db, _, d := newDB(t)
	run(t, db, "schema", `
CREATE TABLE author (id int unsigned AUTO_INCREMENT PRIMARY KEY, email varchar(100) NOT NULL UNIQUE,
  best_book_id int unsigned, born date, created timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  meta json, kind enum('a','b') NOT NULL DEFAULT 'a', CHECK (born > '1000-01-01')) COMMENT 'writers; all of them';
CREATE TABLE book (id int unsigned PRIMARY KEY, author_id int unsigned, title varchar(200) NOT NULL COMMENT 'it''s the title',
  title_len int AS (char_length(title)) STORED, loc point NOT NULL, body text,
  KEY idx_book_author (author_id), SPATIAL KEY book_loc (loc), FULLTEXT KEY book_body (body), KEY book_title (title(20) DESC),
  CONSTRAINT fk_book_author FOREIGN KEY (author_id) REFERENCES author (id) ON DELETE SET NULL,
  CONSTRAINT book_title_check CHECK (title <> ''));
ALTER TABLE author ADD CONSTRAINT author_best_book_fkey FOREIGN KEY (best_book_id) REFERENCES book (id);
CREATE TABLE category (id int PRIMARY KEY, parent_id int, FOREIGN KEY (parent_id) REFERENCES category (id) ON DELETE CASCADE);
CREATE SQL SECURITY INVOKER VIEW book_titles AS SELECT id, title FROM book;
CREATE ALGORITHM=MERGE VIEW long_titles AS SELECT id FROM book_titles WHERE char_length(title) > 10 WITH LOCAL CHECK OPTION;
CREATE TRIGGER book_bi BEFORE INSERT ON book FOR EACH ROW SET NEW.title = TRIM(NEW.title);
CREATE TRIGGER book_bu BEFORE UPDATE ON book FOR EACH ROW
BEGIN
  IF NEW.title = '' THEN
    SET NEW.title = 'untitled; really';
  END IF;
  SET NEW.body = COALESCE(NEW.body, '');
END;
`)
	original := inspect(t, d, db)
	printed := d.SQL(original)
	if !strings.Contains(printed, "DELIMITER ;;") {
		t.Fatalf("the compound trigger is printed without DELIMITER:\n%s", printed)
	}

	target, dsn, _ := newDB(t)
	cmd := exec.Command(client, clientArgs(t, dsn)...)
	cmd.Stdin = strings.NewReader(printed)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s < inspect.sql: %v\n%s\ninspect.sql:\n%s", client, err, out, printed)
	}
	if changes := compare(inspect(t, d, target), original); len(changes) > 0 {
		t.Errorf("the database the client loaded differs from the original:\n%s\ninspect.sql:\n%s", describe(changes), printed)
	}
}
