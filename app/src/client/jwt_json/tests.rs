//! `Json` checked against serde_json, which the token inspector used before it.

use proptest::prelude::*;

use super::*;

/// What the token inspector showed before this module: serde_json's own rendering.
fn serde_pretty(text: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    serde_json::to_string_pretty(&value).ok()
}

fn pretty(text: &str) -> Option<String> {
    Json::parse(text.as_bytes()).map(|json| json.pretty())
}

#[test]
fn prints_a_token_header_and_claims_like_serde_json() {
    for text in [
        r#"{"alg":"EdDSA","typ":"at+jwt","kid":"k1"}"#,
        r#"{"sub":"u-1","username":"alice","role":"user","iat":1700000000,"exp":1700000900,"aud":["a","b"],"nested":{"x":[],"y":{}},"n":null,"t":true,"f":false}"#,
        " { \"a\" : [ 1 , -2 , 0 , -9223372036854775808 , 18446744073709551615 ] } ",
        r#"{"esc":"quote \" backslash \\ slash \/ \b\f\n\r\t \u0001 \u001F \u00e9 \u20ac \ud83d\ude00 é"}"#,
        r#"{"b":1,"a":2,"b":3,"A":4,"é":5}"#,
        "[]",
        "\"just a string\"",
        "42",
    ] {
        assert_eq!(pretty(text), serde_pretty(text), "{text}");
        assert!(pretty(text).is_some(), "{text}");
    }
}

#[test]
fn refuses_what_serde_json_refuses() {
    for text in [
        "",
        " ",
        "{",
        "{\"a\":1,}",
        "[1,]",
        "[1 2]",
        "{\"a\" 1}",
        "{a:1}",
        "01",
        "-",
        "1.",
        ".5",
        "+1",
        "1e",
        "nul",
        "truex",
        "{} {}",
        "\"tab\tinside\"",
        "\"\\x\"",
        "\"\\ud83d\"",
        "\"\\ude00\"",
        "\"\\ud83d\\u0041\"",
        "\"\\u12\"",
        "\"unterminated",
        "\"\\u+123\"",
    ] {
        assert_eq!(serde_pretty(text), None, "serde_json accepts {text:?}");
        assert_eq!(pretty(text), None, "{text:?}");
    }
    assert_eq!(Json::parse(b"\"\xff\""), None);
    let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    for n in [127, 128] {
        assert_eq!(pretty(&deep(n)), serde_pretty(&deep(n)), "depth {n}");
    }
}

#[test]
fn reads_integer_claims_as_serde_json_does() {
    let claims =
        Json::parse(br#"{"iat":1700000000,"exp":-5,"big":18446744073709551615,"f":1.5,"s":"7"}"#)
            .unwrap();
    assert_eq!(
        claims.get("iat").and_then(Json::as_i64),
        Some(1_700_000_000)
    );
    assert_eq!(claims.get("exp").and_then(Json::as_i64), Some(-5));
    assert_eq!(claims.get("big").and_then(Json::as_i64), None);
    assert_eq!(claims.get("f").and_then(Json::as_i64), None);
    assert_eq!(claims.get("s").and_then(Json::as_i64), None);
    let zero = Json::parse(b"-0").unwrap();
    assert_eq!((zero.as_i64(), zero.pretty().as_str()), (None, "-0"));
    assert_eq!(claims.get("missing"), None);
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((any::<String>(), inner), 0..6)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn any_document_without_fractions_prints_as_serde_json_prints_it(value in json_value()) {
        let compact = serde_json::to_string(&value).unwrap();
        prop_assert_eq!(pretty(&compact), serde_pretty(&compact));
        let spaced = serde_json::to_string_pretty(&value).unwrap();
        prop_assert_eq!(pretty(&spaced), serde_pretty(&spaced));
    }
}
