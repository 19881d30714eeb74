-- retort:revision 20261125103000
-- retort:parent 20261120090000
-- retort:message delete a user's notes with the user

-- migrate:up
-- rebuild notes:
--   notes: foreign key fk_notes_author ON DELETE NO ACTION → CASCADE
CREATE TABLE "_retort_new_notes" (
  "id" INTEGER PRIMARY KEY AUTOINCREMENT,
  "body" TEXT,
  "author_id" INTEGER,
  CONSTRAINT "fk_notes_author" FOREIGN KEY ("author_id") REFERENCES "users" ("id") ON DELETE CASCADE
);
INSERT INTO "_retort_new_notes" ("id", "body", "author_id")
  SELECT "id", "body", "author_id" FROM "notes";
-- keep the AUTOINCREMENT high-water mark
DELETE FROM "sqlite_sequence" WHERE "name" = '_retort_new_notes';
INSERT INTO "sqlite_sequence" ("name", "seq") SELECT '_retort_new_notes', "seq" FROM "sqlite_sequence" WHERE "name" = 'notes';
DROP TABLE "notes";
ALTER TABLE "_retort_new_notes" RENAME TO "notes";

-- migrate:down
-- rebuild notes:
--   notes: foreign key fk_notes_author ON DELETE CASCADE → NO ACTION
CREATE TABLE "_retort_new_notes" (
  "id" INTEGER PRIMARY KEY AUTOINCREMENT,
  "body" TEXT,
  "author_id" INTEGER,
  CONSTRAINT "fk_notes_author" FOREIGN KEY ("author_id") REFERENCES "users" ("id")
);
INSERT INTO "_retort_new_notes" ("id", "body", "author_id")
  SELECT "id", "body", "author_id" FROM "notes";
-- keep the AUTOINCREMENT high-water mark
DELETE FROM "sqlite_sequence" WHERE "name" = '_retort_new_notes';
INSERT INTO "sqlite_sequence" ("name", "seq") SELECT '_retort_new_notes', "seq" FROM "sqlite_sequence" WHERE "name" = 'notes';
DROP TABLE "notes";
ALTER TABLE "_retort_new_notes" RENAME TO "notes";
