use super::*;
use serde_json::json;

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

#[test]
fn byte_order_puts_upper_case_first() {
    let m = obj(json!({"authorisationId": "b", "authorResponseMessage": "a"}));
    assert_eq!(
        json_seal_string(&m, &SIPS_REQUEST_EXCLUDED, Default::default()).text,
        "ab"
    );
    let java = SipsJsonRule {
        case_insensitive_order: true,
        ..Default::default()
    };
    assert_eq!(
        json_seal_string(&m, &SIPS_REQUEST_EXCLUDED, java).text,
        "ba"
    );
}

#[test]
fn containers_sort_inside_and_lists_keep_their_order() {
    let m: Map<String, Value> = serde_json::from_str(
        r#"{"b": {"z": "1", "a": "2"}, "a": ["1000", "1000", "500"],
            "c": [{"y": "Y", "x": "X"}], "d": null, "e": "", "f": {}, "g": [], "n": 1.50}"#,
    )
    .unwrap();
    let s = json_seal_string(&m, &[], Default::default());
    assert_eq!(s.text, "1000100050021XY1.50");
    assert_eq!(s.segments[3].path, "b.a");
    assert_eq!(s.segments[5].path, "c[0].x");
}

#[test]
fn the_fields_only_one_side_carries_tell_the_direction() {
    let of = |v: Value| {
        let m = obj(v);
        sides(|k| m.contains_key(k))
    };
    // The 3-D Secure validation request carries redirectionData back.
    assert_eq!(
        of(json!({"interfaceVersion": "IR_WS_2.35", "redirectionData": "x", "paResMessage": "y"})),
        Sides::Told(Direction::Request, "interfaceVersion")
    );
    assert_eq!(
        of(json!({"redirectionData": "x", "responseCode": "00"})),
        Sides::Told(Direction::Response, "responseCode")
    );
    assert_eq!(
        of(json!({"redirectionData": "x"})),
        Sides::Unsure {
            lean: Direction::Request
        }
    );
    assert_eq!(
        of(json!({"interfaceVersion": "x", "responseCode": "00"})),
        Sides::Unsure {
            lean: Direction::Response
        }
    );
}

#[test]
fn the_wrong_orders_and_lists_of_the_sdks() {
    let m: Map<String, Value> =
        serde_json::from_str(r#"{"b": {"z": "1", "a": "2"}, "a": "3", "l": [{"y": "Y"}, "p,q"]}"#)
            .unwrap();
    let text = |rule| json_seal_string(&m, &[], rule).text;
    assert_eq!(text(SipsJsonRule::default()), "321Yp,q");
    assert_eq!(
        text(SipsJsonRule {
            message_order: MessageOrder::Nested,
            ..Default::default()
        }),
        "312Yp,q"
    );
    assert_eq!(
        text(SipsJsonRule {
            message_order: MessageOrder::Everywhere,
            ..Default::default()
        }),
        "123Yp,q"
    );
    assert_eq!(
        text(SipsJsonRule {
            js_lists: true,
            ..Default::default()
        }),
        "321[object Object]pq"
    );
}

#[test]
fn exclusions_apply_at_the_top_level_only() {
    let m = obj(json!({"keyVersion": "1", "x": {"keyVersion": "2"}}));
    assert_eq!(
        json_seal_string(&m, &SIPS_REQUEST_EXCLUDED, Default::default()).text,
        "2"
    );
}

#[test]
fn post_data_flattens_like_the_official_kit() {
    let m = obj(
        json!({"amount": "9000", "instalmentData": {"number": "3", "amountsList": ["1000", "1000", "7000"]}}),
    );
    assert_eq!(
        post_data(&m).unwrap(),
        "amount=9000|instalmentData.number=3|instalmentData.amountsList=1000,1000,7000"
    );
}

/// Data has no escape: what would read as other fields is refused,
/// named, never written (`x|amount=999` was a second amount).
#[test]
fn post_data_refuses_what_would_read_as_other_fields() {
    for (v, field) in [
        (
            json!({"amount": "1", "orderId": "x|amount=12345"}),
            "\"orderId\"",
        ),
        (json!({"amount": "1", "a|b": "2"}), "\"a|b\""),
        (json!({"amount": "1", "a=b": "2"}), "\"a=b\""),
        (json!({"c": {"list": ["1", "2,3"]}}), "\"c.list\""),
    ] {
        let e = post_data(&obj(v)).unwrap_err();
        assert!(e.message().contains(field), "{}", e.message());
        // The value is not repeated.
        assert!(!e.message().contains("12345"), "{}", e.message());
    }
    assert_eq!(post_data(&obj(json!({"a": "x=y"}))).unwrap(), "a=x=y");
}
