-- retort:revision 20261120090000
-- retort:parent base
-- retort:message create users and notes

-- migrate:up
CREATE TABLE "users" (
  "id" INTEGER PRIMARY KEY AUTOINCREMENT,
  "email" VARCHAR(255) NOT NULL,
  "name" TEXT NOT NULL,
  "created_at" TEXT NOT NULL DEFAULT (datetime('now')),
  CONSTRAINT "users_email_key" UNIQUE ("email")
);
CREATE TABLE "notes" (
  "id" INTEGER PRIMARY KEY AUTOINCREMENT,
  "author_id" INTEGER NOT NULL,
  "title" VARCHAR(200) NOT NULL,
  "body" TEXT NOT NULL DEFAULT '',
  "created_at" TEXT NOT NULL DEFAULT (datetime('now')),
  CONSTRAINT "notes_author_id_fkey" FOREIGN KEY ("author_id") REFERENCES "users" ("id")
);
CREATE INDEX "notes_author_id_idx" ON "notes" ("author_id");

-- migrate:down
-- retort: destructive
DROP TABLE "notes";
-- retort: destructive
DROP TABLE "users";
