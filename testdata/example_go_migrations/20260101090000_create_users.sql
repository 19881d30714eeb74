-- retort:revision 20260101090000
-- retort:parent base
-- retort:message create users

-- migrate:up
CREATE TABLE "users" (
  "id" INTEGER PRIMARY KEY,
  "contact" TEXT NOT NULL
);
INSERT INTO "users" ("id", "contact") VALUES
  (1, 'Ada Lovelace <ADA@Example.com>'),
  (2, '"Hopper, Grace" <grace@navy.example>');

-- migrate:down
-- retort: destructive
DROP TABLE "users";
