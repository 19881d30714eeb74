-- retort:revision 20261125103000
-- retort:parent 20261120090000
-- retort:message delete a user's notes with the user

-- migrate:up
-- rebuild notes:
--   notes: foreign key notes_author_id_fkey ON DELETE NO ACTION → CASCADE
CREATE TABLE "_retort_new_notes" (
  "id" INTEGER PRIMARY KEY AUTOINCREMENT,
  "author_id" INTEGER NOT NULL,
  "title" VARCHAR(200) NOT NULL,
  "body" TEXT NOT NULL DEFAULT '',
  "created_at" TEXT NOT NULL DEFAULT (datetime('now')),
  CONSTRAINT "notes_author_id_fkey" FOREIGN KEY ("author_id") REFERENCES "users" ("id") ON DELETE CASCADE
);
INSERT INTO "_retort_new_notes" ("id", "author_id", "title", "body", "created_at")
  SELECT "id", "author_id", "title", "body", "created_at" FROM "notes";
-- keep the AUTOINCREMENT high-water mark
DELETE FROM "sqlite_sequence" WHERE "name" = '_retort_new_notes';
INSERT INTO "sqlite_sequence" ("name", "seq") SELECT '_retort_new_notes', "seq" FROM "sqlite_sequence" WHERE "name" = 'notes';
DROP TABLE "notes";
ALTER TABLE "_retort_new_notes" RENAME TO "notes";
CREATE INDEX "notes_author_id_idx" ON "notes" ("author_id");

-- migrate:down
-- rebuild notes:
--   notes: foreign key notes_author_id_fkey ON DELETE CASCADE → NO ACTION
CREATE TABLE "_retort_new_notes" (
  "id" INTEGER PRIMARY KEY AUTOINCREMENT,
  "author_id" INTEGER NOT NULL,
  "title" VARCHAR(200) NOT NULL,
  "body" TEXT NOT NULL DEFAULT '',
  "created_at" TEXT NOT NULL DEFAULT (datetime('now')),
  CONSTRAINT "notes_author_id_fkey" FOREIGN KEY ("author_id") REFERENCES "users" ("id")
);
INSERT INTO "_retort_new_notes" ("id", "author_id", "title", "body", "created_at")
  SELECT "id", "author_id", "title", "body", "created_at" FROM "notes";
-- keep the AUTOINCREMENT high-water mark
DELETE FROM "sqlite_sequence" WHERE "name" = '_retort_new_notes';
INSERT INTO "sqlite_sequence" ("name", "seq") SELECT '_retort_new_notes', "seq" FROM "sqlite_sequence" WHERE "name" = 'notes';
DROP TABLE "notes";
ALTER TABLE "_retort_new_notes" RENAME TO "notes";
CREATE INDEX "notes_author_id_idx" ON "notes" ("author_id");
