//! `create_tables` for the real dialects, side by side: the school sample's tables in
//! dependency order with each dialect's quotes and column types, and every field type on
//! each dialect. `tests/corpus_on_servers.rs` runs these statements on the servers.

use relq_graph::SchemaDef;
use relq_sample::Sample;
use relq_sql::create_tables;
use relq_tests::corpus::dialects;
use relq_tests::samples;

/// Every dialect's statements, one block per dialect.
fn all_dialects(schema: &SchemaDef) -> String {
    let graph = schema.build().expect("valid schema");
    dialects()
        .iter()
        .map(|(name, dialect)| {
            format!(
                "-- {name}\n{}",
                create_tables(&graph, &**dialect).join(";\n")
            )
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[test]
fn school_tables_on_every_dialect() {
    let schema = SchemaDef::from_toml(Sample::by_name("school").expect("sample").toml())
        .expect("valid sample");
    insta::assert_snapshot!(all_dialects(&schema), @r#"
    -- sqlite
    CREATE TABLE "departments" ("id" INTEGER PRIMARY KEY NOT NULL, "name" TEXT NOT NULL);
    CREATE TABLE "schoolclasses" ("id" INTEGER PRIMARY KEY NOT NULL, "name" TEXT NOT NULL, "department_id" INTEGER NOT NULL, FOREIGN KEY ("department_id") REFERENCES "departments"("id"));
    CREATE TABLE "categories" ("id" INTEGER PRIMARY KEY NOT NULL, "name" TEXT NOT NULL);
    CREATE TABLE "students" ("id" INTEGER PRIMARY KEY NOT NULL, "name" TEXT NOT NULL, "schoolclass_id" INTEGER NOT NULL, "category_id" INTEGER, FOREIGN KEY ("schoolclass_id") REFERENCES "schoolclasses"("id"), FOREIGN KEY ("category_id") REFERENCES "categories"("id"));
    CREATE TABLE "teachers" ("id" INTEGER PRIMARY KEY NOT NULL, "name" TEXT NOT NULL, "schoolclass_id" INTEGER NOT NULL, "category_id" INTEGER, FOREIGN KEY ("schoolclass_id") REFERENCES "schoolclasses"("id"), FOREIGN KEY ("category_id") REFERENCES "categories"("id"));
    CREATE INDEX "schoolclasses_department_id_idx" ON "schoolclasses" ("department_id", "id");
    CREATE INDEX "students_schoolclass_id_idx" ON "students" ("schoolclass_id", "id");
    CREATE INDEX "students_category_id_idx" ON "students" ("category_id", "id");
    CREATE INDEX "teachers_schoolclass_id_idx" ON "teachers" ("schoolclass_id", "id");
    CREATE INDEX "teachers_category_id_idx" ON "teachers" ("category_id", "id")

    -- postgres
    CREATE TABLE "departments" ("id" INTEGER PRIMARY KEY NOT NULL, "name" VARCHAR(100) COLLATE "C" NOT NULL);
    CREATE TABLE "schoolclasses" ("id" INTEGER PRIMARY KEY NOT NULL, "name" VARCHAR(100) COLLATE "C" NOT NULL, "department_id" INTEGER NOT NULL, FOREIGN KEY ("department_id") REFERENCES "departments"("id"));
    CREATE TABLE "categories" ("id" INTEGER PRIMARY KEY NOT NULL, "name" VARCHAR(100) COLLATE "C" NOT NULL);
    CREATE TABLE "students" ("id" INTEGER PRIMARY KEY NOT NULL, "name" VARCHAR(100) COLLATE "C" NOT NULL, "schoolclass_id" INTEGER NOT NULL, "category_id" INTEGER, FOREIGN KEY ("schoolclass_id") REFERENCES "schoolclasses"("id"), FOREIGN KEY ("category_id") REFERENCES "categories"("id"));
    CREATE TABLE "teachers" ("id" INTEGER PRIMARY KEY NOT NULL, "name" VARCHAR(100) COLLATE "C" NOT NULL, "schoolclass_id" INTEGER NOT NULL, "category_id" INTEGER, FOREIGN KEY ("schoolclass_id") REFERENCES "schoolclasses"("id"), FOREIGN KEY ("category_id") REFERENCES "categories"("id"));
    CREATE INDEX "schoolclasses_department_id_idx" ON "schoolclasses" ("department_id", "id");
    CREATE INDEX "students_schoolclass_id_idx" ON "students" ("schoolclass_id", "id");
    CREATE INDEX "students_category_id_idx" ON "students" ("category_id", "id");
    CREATE INDEX "teachers_schoolclass_id_idx" ON "teachers" ("schoolclass_id", "id");
    CREATE INDEX "teachers_category_id_idx" ON "teachers" ("category_id", "id")

    -- mysql
    CREATE TABLE `departments` (`id` INT PRIMARY KEY NOT NULL, `name` VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL);
    CREATE TABLE `schoolclasses` (`id` INT PRIMARY KEY NOT NULL, `name` VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL, `department_id` INT NOT NULL, FOREIGN KEY (`department_id`) REFERENCES `departments`(`id`));
    CREATE TABLE `categories` (`id` INT PRIMARY KEY NOT NULL, `name` VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL);
    CREATE TABLE `students` (`id` INT PRIMARY KEY NOT NULL, `name` VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL, `schoolclass_id` INT NOT NULL, `category_id` INT, FOREIGN KEY (`schoolclass_id`) REFERENCES `schoolclasses`(`id`), FOREIGN KEY (`category_id`) REFERENCES `categories`(`id`));
    CREATE TABLE `teachers` (`id` INT PRIMARY KEY NOT NULL, `name` VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL, `schoolclass_id` INT NOT NULL, `category_id` INT, FOREIGN KEY (`schoolclass_id`) REFERENCES `schoolclasses`(`id`), FOREIGN KEY (`category_id`) REFERENCES `categories`(`id`))
    "#);
}

#[test]
fn every_field_type_on_every_dialect() {
    let schema = samples::every_field_type();
    insta::assert_snapshot!(all_dialects(&schema), @r#"
    -- sqlite
    CREATE TABLE "tags" ("code" TEXT PRIMARY KEY NOT NULL);
    CREATE TABLE "items" ("id" INTEGER PRIMARY KEY NOT NULL, "count" INTEGER NOT NULL, "ratio" REAL, "price" TEXT NOT NULL, "note" TEXT NOT NULL, "title" TEXT NOT NULL, "done" INTEGER NOT NULL, "day" TEXT NOT NULL, "at" TEXT NOT NULL, "stamp" TEXT NOT NULL, "uid" TEXT NOT NULL, "doc" TEXT NOT NULL, "raw" BLOB NOT NULL, "tag_id" TEXT, FOREIGN KEY ("tag_id") REFERENCES "tags"("code"));
    CREATE TABLE "items_tags" ("id" INTEGER PRIMARY KEY NOT NULL, "item" INTEGER NOT NULL, "tag" TEXT NOT NULL, FOREIGN KEY ("item") REFERENCES "items"("id"), FOREIGN KEY ("tag") REFERENCES "tags"("code"));
    CREATE INDEX "items_tag_id_idx" ON "items" ("tag_id", "id");
    CREATE INDEX "items_tags_item_idx" ON "items_tags" ("item", "id");
    CREATE INDEX "items_tags_tag_idx" ON "items_tags" ("tag", "id")

    -- postgres
    CREATE TABLE "tags" ("code" TEXT COLLATE "C" PRIMARY KEY NOT NULL);
    CREATE TABLE "items" ("id" BIGINT PRIMARY KEY NOT NULL, "count" INTEGER NOT NULL, "ratio" DOUBLE PRECISION, "price" NUMERIC(10, 2) NOT NULL, "note" TEXT COLLATE "C" NOT NULL, "title" VARCHAR(80) COLLATE "C" NOT NULL, "done" BOOLEAN NOT NULL, "day" DATE NOT NULL, "at" TIME NOT NULL, "stamp" TIMESTAMP NOT NULL, "uid" UUID NOT NULL, "doc" JSONB NOT NULL, "raw" BYTEA NOT NULL, "tag_id" TEXT COLLATE "C", FOREIGN KEY ("tag_id") REFERENCES "tags"("code"));
    CREATE TABLE "items_tags" ("id" INTEGER PRIMARY KEY NOT NULL, "item" BIGINT NOT NULL, "tag" TEXT COLLATE "C" NOT NULL, FOREIGN KEY ("item") REFERENCES "items"("id"), FOREIGN KEY ("tag") REFERENCES "tags"("code"));
    CREATE INDEX "items_tag_id_idx" ON "items" ("tag_id", "id");
    CREATE INDEX "items_tags_item_idx" ON "items_tags" ("item", "id");
    CREATE INDEX "items_tags_tag_idx" ON "items_tags" ("tag", "id")

    -- mysql
    CREATE TABLE `tags` (`code` VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PRIMARY KEY NOT NULL);
    CREATE TABLE `items` (`id` BIGINT PRIMARY KEY NOT NULL, `count` INT NOT NULL, `ratio` DOUBLE, `price` DECIMAL(10, 2) NOT NULL, `note` LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL, `title` VARCHAR(80) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL, `done` BOOLEAN NOT NULL, `day` DATE NOT NULL, `at` TIME(6) NOT NULL, `stamp` DATETIME(6) NOT NULL, `uid` CHAR(36) NOT NULL, `doc` JSON NOT NULL, `raw` LONGBLOB NOT NULL, `tag_id` VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin, FOREIGN KEY (`tag_id`) REFERENCES `tags`(`code`));
    CREATE TABLE `items_tags` (`id` INT PRIMARY KEY NOT NULL, `item` BIGINT NOT NULL, `tag` VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL, FOREIGN KEY (`item`) REFERENCES `items`(`id`), FOREIGN KEY (`tag`) REFERENCES `tags`(`code`))
    "#);
}
