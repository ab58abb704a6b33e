//! Any text either parses as a Go template set or fails with an error; parsing never
//! panics, overflows the stack or runs away, however deep the nesting.
#![no_main]

use kubake_gotmpl::Templates;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut set = Templates::new("gotpl");
    let _ = set.parse("fuzz.tpl", text);
});
