-- retort:revision 20260102090000
-- retort:parent 20260101090000
-- retort:message create notes

-- migrate:up
CREATE TABLE "notes" (
  "id" INTEGER PRIMARY KEY,
  "author_id" INTEGER NOT NULL,
  "body" TEXT NOT NULL DEFAULT '',
  CONSTRAINT "notes_author_id_fkey" FOREIGN KEY ("author_id") REFERENCES "users" ("id") ON DELETE CASCADE
);
CREATE INDEX "notes_author_id_idx" ON "notes" ("author_id");

-- migrate:down
-- retort: destructive
DROP TABLE "notes";
