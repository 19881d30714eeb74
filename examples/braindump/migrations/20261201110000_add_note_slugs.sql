-- retort:revision 20261201110000
-- retort:parent 20261125103000
-- retort:message add notes.slug

-- migrate:up
ALTER TABLE "notes" ADD COLUMN "slug" VARCHAR(200) NOT NULL DEFAULT '';

-- migrate:down
ALTER TABLE "notes" DROP COLUMN "slug";
