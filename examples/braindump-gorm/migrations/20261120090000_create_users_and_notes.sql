-- retort:revision 20261120090000
-- retort:parent base
-- retort:message create users and notes

-- migrate:up
CREATE TABLE "users" (
  "id" INTEGER PRIMARY KEY AUTOINCREMENT,
  "name" TEXT NOT NULL
);
CREATE TABLE "notes" (
  "id" INTEGER PRIMARY KEY AUTOINCREMENT,
  "body" TEXT,
  "author_id" INTEGER,
  CONSTRAINT "fk_notes_author" FOREIGN KEY ("author_id") REFERENCES "users" ("id")
);

-- migrate:down
-- retort: destructive
DROP TABLE "notes";
-- retort: destructive
DROP TABLE "users";
