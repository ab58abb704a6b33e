//! Any template that parses runs to an output or an error within the step and output
//! budgets a host sets, on data with maps, lists, numbers and nils: no panic, no stack
//! overflow (recursive `template` calls included), no unbounded memory.
#![no_main]

use kubake_gotmpl::{ExecOptions, MissingKey, Templates, Value};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut set = Templates::new("gotpl");
    set.set_missing_key(MissingKey::Zero);
    if set.parse("fuzz.tpl", text).is_err() {
        return;
    }
    let values = Value::from_json(&serde_json::json!({
        "name": "web",
        "replicas": 3,
        "big": 1_000_000,
        "ratio": 0.25,
        "on": true,
        "nothing": null,
        "list": [1, "two", [3], {"four": 4}],
        "map": {"a": {"b": {"c": "deep"}}, "empty": {}},
    }));
    let opts = ExecOptions {
        max_steps: Some(200_000),
        max_output: Some(1 << 20),
        host_data: None,
    };
    let _ = set.execute("fuzz.tpl", &values, &opts);
});
