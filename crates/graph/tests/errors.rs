//! Every schema validation rule, triggered by a small TOML schema: each case checks the
//! error kind, and one snapshot holds every message for review.

use relq_graph::{SchemaDef, SchemaErrorKind as K};

const PK: &str = r#"{ name = "id", type = "integer", primary_key = true }"#;

/// A model `name` with an integer pk, extra TOML lines after its `fields`.
fn model(name: &str, extra: &str) -> String {
    format!("[[models]]\nname = \"{name}\"\nfields = [{PK}]\n{extra}\n")
}

struct Case {
    name: &'static str,
    toml: String,
    expect: fn(&K) -> bool,
}

fn cases() -> Vec<Case> {
    let m = model;
    vec![
        Case {
            name: "unknown_key",
            toml: "[[models]]\nname = \"A\"\ntabel = \"a\"\n".into(),
            expect: |k| matches!(k, K::Parse { .. }),
        },
        Case {
            name: "max_length_on_integer",
            toml: "[[models]]\nname = \"A\"\nfields = [{ name = \"id\", type = \"integer\", primary_key = true, max_length = 3 }]\n".into(),
            expect: |k| matches!(k, K::Parse { .. }),
        },
        Case {
            name: "decimal_without_precision",
            toml: format!("[[models]]\nname = \"A\"\nfields = [{PK}, {{ name = \"price\", type = \"decimal\" }}]\n"),
            expect: |k| matches!(k, K::Parse { .. }),
        },
        Case {
            name: "model_name_starts_with_digit",
            toml: m("1Model", ""),
            expect: |k| matches!(k, K::InvalidName { .. }),
        },
        Case {
            name: "field_name_with_double_underscore",
            toml: format!("[[models]]\nname = \"A\"\nfields = [{PK}, {{ name = \"first__name\", type = \"text\" }}]\n"),
            expect: |k| matches!(k, K::InvalidName { .. }),
        },
        Case {
            name: "field_name_ending_with_underscore",
            toml: format!("[[models]]\nname = \"A\"\nfields = [{PK}, {{ name = \"name_\", type = \"text\" }}]\n"),
            expect: |k| matches!(k, K::InvalidName { .. }),
        },
        Case {
            name: "relation_name_with_dash",
            toml: m("A", "foreign_keys = [{ name = \"my-b\", to = \"A\" }]"),
            expect: |k| matches!(k, K::InvalidName { .. }),
        },
        Case {
            name: "invalid_related_name",
            toml: m("A", "foreign_keys = [{ name = \"parent\", to = \"A\", related_name = \"kids!\" }]"),
            expect: |k| matches!(k, K::InvalidName { .. }),
        },
        Case {
            name: "invalid_through_field_name",
            toml: m("A", "many_to_many = [{ name = \"friends\", to = \"A\", through_source = \"_a\", through_target = \"b\" }]"),
            expect: |k| matches!(k, K::InvalidName { .. }),
        },
        Case {
            name: "empty_table",
            toml: m("A", "table = \"\""),
            expect: |k| matches!(k, K::InvalidIdentifier { .. }),
        },
        Case {
            name: "column_with_nul",
            toml: format!("[[models]]\nname = \"A\"\nfields = [{PK}, {{ name = \"b\", type = \"text\", column = \"b\\u0000\" }}]\n"),
            expect: |k| matches!(k, K::InvalidIdentifier { .. }),
        },
        Case {
            name: "duplicate_model",
            toml: m("A", "table = \"a1\"") + &m("A", "table = \"a2\""),
            expect: |k| matches!(k, K::DuplicateModel { .. }),
        },
        Case {
            name: "duplicate_table",
            toml: m("A", "table = \"things\"") + &m("B", "table = \"things\""),
            expect: |k| matches!(k, K::DuplicateTable { .. }),
        },
        Case {
            name: "duplicate_field",
            toml: format!("[[models]]\nname = \"A\"\nfields = [{PK}, {{ name = \"id\", type = \"text\" }}]\n"),
            expect: |k| matches!(k, K::DuplicateName { .. }),
        },
        Case {
            name: "relation_named_like_a_field",
            toml: format!("[[models]]\nname = \"A\"\nfields = [{PK}, {{ name = \"parent\", type = \"text\" }}]\nforeign_keys = [{{ name = \"parent\", to = \"A\" }}]\n"),
            expect: |k| matches!(k, K::DuplicateName { .. }),
        },
        Case {
            name: "foreign_key_field_named_like_a_field",
            toml: format!("[[models]]\nname = \"A\"\nfields = [{PK}, {{ name = \"parent_id\", type = \"integer\" }}]\nforeign_keys = [{{ name = \"parent\", to = \"A\" }}]\n"),
            expect: |k| matches!(k, K::DuplicateName { .. }),
        },
        Case {
            name: "duplicate_column",
            toml: format!("[[models]]\nname = \"A\"\nfields = [{PK}, {{ name = \"b\", type = \"text\", column = \"id\" }}]\n"),
            expect: |k| matches!(k, K::DuplicateColumn { .. }),
        },
        Case {
            name: "foreign_key_column_taken",
            toml: format!("[[models]]\nname = \"A\"\nfields = [{PK}, {{ name = \"b\", type = \"text\" }}]\nforeign_keys = [{{ name = \"parent\", to = \"A\", column = \"b\" }}]\n"),
            expect: |k| matches!(k, K::DuplicateColumn { .. }),
        },
        Case {
            name: "missing_primary_key",
            toml: "[[models]]\nname = \"A\"\nfields = [{ name = \"name\", type = \"text\" }]\n".into(),
            expect: |k| matches!(k, K::MissingPrimaryKey { .. }),
        },
        Case {
            name: "two_primary_keys",
            toml: format!("[[models]]\nname = \"A\"\nfields = [{PK}, {{ name = \"code\", type = \"text\", primary_key = true }}]\n"),
            expect: |k| matches!(k, K::MultiplePrimaryKeys { .. }),
        },
        Case {
            name: "nullable_primary_key",
            toml: "[[models]]\nname = \"A\"\nfields = [{ name = \"id\", type = \"integer\", primary_key = true, nullable = true }]\n".into(),
            expect: |k| matches!(k, K::NullablePrimaryKey { .. }),
        },
        Case {
            name: "unknown_target_with_suggestion",
            toml: m("Department", "") + &m("Course", "foreign_keys = [{ name = \"department\", to = \"Departmnt\" }]"),
            expect: |k| matches!(k, K::UnknownTarget { suggestion: Some(_), .. }),
        },
        Case {
            name: "unknown_target_without_suggestion",
            toml: m("Course", "foreign_keys = [{ name = \"department\", to = \"Zzz\" }]"),
            expect: |k| matches!(k, K::UnknownTarget { suggestion: None, .. }),
        },
        Case {
            name: "unknown_through",
            toml: m("Category", "") + &m("PostCategory", "") + &m("Post", "many_to_many = [{ name = \"categories\", to = \"Category\", through = \"PostCategories\" }]"),
            expect: |k| matches!(k, K::UnknownThrough { suggestion: Some(_), .. }),
        },
        Case {
            name: "foreign_key_default",
            toml: m("A", "foreign_keys = [{ name = \"parent\", to = \"A\", default = 1 }]"),
            expect: |k| matches!(k, K::ForeignKeyDefault { .. }),
        },
        Case {
            name: "set_null_on_required_foreign_key",
            toml: m("A", "foreign_keys = [{ name = \"parent\", to = \"A\", nullable = false, on_delete = \"set_null\" }]"),
            expect: |k| matches!(k, K::ActionNeedsNullable { .. }),
        },
        Case {
            name: "default_of_wrong_type",
            toml: format!("[[models]]\nname = \"A\"\nfields = [{PK}, {{ name = \"age\", type = \"integer\", default = \"ten\" }}]\n"),
            expect: |k| matches!(k, K::InvalidDefault { .. }),
        },
        Case {
            name: "default_longer_than_max_length",
            toml: format!("[[models]]\nname = \"A\"\nfields = [{PK}, {{ name = \"code\", type = \"text\", max_length = 2, default = \"abc\" }}]\n"),
            expect: |k| matches!(k, K::InvalidDefault { .. }),
        },
        Case {
            name: "through_model_with_relations",
            toml: m("Category", "") + &m("PostCategory", "foreign_keys = [{ name = \"category\", to = \"Category\" }]")
                + &m("Post", "many_to_many = [{ name = \"categories\", to = \"Category\", through = \"PostCategory\" }]"),
            expect: |k| matches!(k, K::ThroughHasRelations { .. }),
        },
        Case {
            name: "through_model_reused",
            toml: m("Category", "") + &m("Link", "")
                + &m("Post", "many_to_many = [{ name = \"categories\", to = \"Category\", through = \"Link\" }, { name = \"tags\", to = \"Category\", through = \"Link\", related_name = \"tagged\" }]"),
            expect: |k| matches!(k, K::ThroughReused { .. }),
        },
        Case {
            name: "generated_through_name_taken",
            toml: m("Category", "") + &m("PostCategory", "") + &m("Post", "many_to_many = [{ name = \"categories\", to = \"Category\" }]"),
            expect: |k| matches!(k, K::ThroughNameTaken { .. }),
        },
        Case {
            name: "two_foreign_keys_to_one_model",
            toml: m("User", "") + &m("Post", "foreign_keys = [{ name = \"author\", to = \"User\" }, { name = \"editor\", to = \"User\" }]"),
            expect: |k| matches!(k, K::AmbiguousRelatedName { .. }),
        },
        Case {
            name: "related_name_clashes_with_field",
            toml: format!("[[models]]\nname = \"User\"\nfields = [{PK}, {{ name = \"posts\", type = \"integer\" }}]\n") + &m("Post", "foreign_keys = [{ name = \"author\", to = \"User\" }]"),
            expect: |k| matches!(k, K::RelatedNameClash { .. }),
        },
        Case {
            name: "related_name_clashes_with_relation",
            toml: m("Group", "") + &m("User", "foreign_keys = [{ name = \"group\", to = \"Group\" }]") + &m("Post", "foreign_keys = [{ name = \"author\", to = \"User\", related_name = \"group\" }]"),
            expect: |k| matches!(k, K::RelatedNameClash { .. }),
        },
        Case {
            name: "related_name_clashes_with_another_reverse",
            toml: m("User", "") + &m("Post", "foreign_keys = [{ name = \"author\", to = \"User\" }]") + &m("Comment", "foreign_keys = [{ name = \"user\", to = \"User\", related_name = \"posts\" }]"),
            expect: |k| matches!(k, K::RelatedNameClash { .. }),
        },
        Case {
            name: "reserved_pk_name",
            toml: format!("[[models]]\nname = \"A\"\nfields = [{PK}, {{ name = \"pk\", type = \"text\" }}]\n"),
            expect: |k| matches!(k, K::InvalidName { .. }),
        },
        Case {
            name: "table_differs_only_in_case",
            toml: m("A", "table = \"Things\"") + &m("B", "table = \"things\""),
            expect: |k| matches!(k, K::DuplicateTable { .. }),
        },
        Case {
            name: "column_differs_only_in_case",
            toml: format!("[[models]]\nname = \"A\"\nfields = [{PK}, {{ name = \"b\", type = \"text\", column = \"ID\" }}]\n"),
            expect: |k| matches!(k, K::DuplicateColumn { .. }),
        },
        Case {
            name: "decimal_with_zero_precision",
            toml: format!("[[models]]\nname = \"A\"\nfields = [{PK}, {{ name = \"price\", type = \"decimal\", precision = 0 }}]\n"),
            expect: |k| matches!(k, K::InvalidDecimal { .. }),
        },
        Case {
            name: "decimal_scale_above_precision",
            toml: format!("[[models]]\nname = \"A\"\nfields = [{PK}, {{ name = \"price\", type = \"decimal\", precision = 4, scale = 5 }}]\n"),
            expect: |k| matches!(k, K::InvalidDecimal { .. }),
        },
        Case {
            name: "set_default_on_required_foreign_key",
            toml: m("A", "foreign_keys = [{ name = \"parent\", to = \"A\", nullable = false, on_update = \"set_default\" }]"),
            expect: |k| matches!(k, K::ActionNeedsNullable { value: "set_default", .. }),
        },
        Case {
            name: "suggestion_ties_go_to_the_first_declared_model",
            toml: m("Car", "") + &m("Cab", "") + &m("Course", "foreign_keys = [{ name = \"vehicle\", to = \"Cat\" }]"),
            expect: |k| matches!(k, K::UnknownTarget { suggestion: Some(s), .. } if s == "Car"),
        },
        Case {
            name: "through_model_is_the_owner",
            toml: m("Tag", "") + &m("Post", "many_to_many = [{ name = \"tags\", to = \"Tag\", through = \"Post\" }]"),
            expect: |k| matches!(k, K::ThroughIsEndpoint { .. }),
        },
        Case {
            name: "through_model_is_the_target",
            toml: m("Tag", "") + &m("Post", "many_to_many = [{ name = \"tags\", to = \"Tag\", through = \"Tag\" }]"),
            expect: |k| matches!(k, K::ThroughIsEndpoint { .. }),
        },
        Case {
            name: "two_generated_through_models_with_one_name",
            toml: m("AB", "many_to_many = [{ name = \"cs\", to = \"C\" }]") + &m("C", "") + &m("BC", "") + &m("A", "many_to_many = [{ name = \"bcs\", to = \"BC\" }]"),
            expect: |k| matches!(k, K::ThroughNameTaken { .. }),
        },
        Case {
            name: "unique_key_with_a_typo",
            toml: m("Department", "") + &m("Course", "fields = [{ name = \"id\", type = \"integer\", primary_key = true }, { name = \"code\", type = \"text\" }]\nforeign_keys = [{ name = \"department\", to = \"Department\" }]\nunique = [[\"code\", \"departmnet\"]]").replace(&format!("fields = [{PK}]\nfields"), "fields"),
            expect: |k| matches!(k, K::UnknownUniqueField { suggestion: Some(s), .. } if s == "department"),
        },
        Case {
            name: "unique_key_naming_a_many_to_many",
            toml: m("Tag", "") + &m("Post", "many_to_many = [{ name = \"tags\", to = \"Tag\" }]\nunique = [[\"tags\"]]"),
            expect: |k| matches!(k, K::UnknownUniqueField { .. }),
        },
        Case {
            name: "empty_unique_key",
            toml: m("A", "unique = [[\"id\"], []]"),
            expect: |k| matches!(k, K::EmptyUniqueKey { position: 2, .. }),
        },
        Case {
            name: "unique_key_naming_a_foreign_key_and_its_field",
            toml: m("A", "foreign_keys = [{ name = \"parent\", to = \"A\" }]\nunique = [[\"parent\", \"parent_id\"]]"),
            expect: |k| matches!(k, K::RepeatedUniqueField { .. }),
        },
        Case {
            name: "two_many_to_many_to_one_model_without_through",
            toml: m("Category", "") + &m("Post", "many_to_many = [{ name = \"categories\", to = \"Category\" }, { name = \"tags\", to = \"Category\", related_name = \"tagged\" }]"),
            expect: |k| matches!(k, K::ThroughNameTaken { .. }),
        },
    ]
}

#[test]
fn every_rule_gives_its_own_typed_error() {
    let mut report = String::new();
    for case in cases() {
        let result = SchemaDef::from_toml(&case.toml).and_then(|def| def.build());
        let err = match result {
            Ok(_) => panic!("case `{}` built a graph; it must fail", case.name),
            Err(e) => e,
        };
        assert!(
            (case.expect)(err.kind()),
            "case `{}` gave the wrong kind: {:?}",
            case.name,
            err.kind()
        );
        report.push_str(&format!("{}: {err}\n", case.name));
    }
    insta::assert_snapshot!(report);
}

#[test]
fn json_parse_errors_are_typed() {
    let err =
        SchemaDef::from_json(r#"{"models": [{"name": 3}]}"#).expect_err("a name must be a string");
    assert!(matches!(
        err.kind(),
        K::Parse {
            format: relq_graph::SchemaFormat::Json,
            ..
        }
    ));
    insta::assert_snapshot!(err.to_string(), @"invalid JSON schema: invalid type: integer `3`, expected a string at line 1 column 22");
}
