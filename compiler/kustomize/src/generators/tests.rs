//! Tests of `crate::generators`.
use super::*;
use kubake_yaml::{load_one, to_yaml, Schema};
use std::collections::HashMap;

/// Files by path, for tests.
#[derive(Default)]
struct Files {
    files: HashMap<String, Vec<u8>>,
    env: HashMap<String, String>,
}

impl Files {
    fn with(mut self, path: &str, content: &[u8]) -> Self {
        self.files.insert(path.into(), content.to_vec());
        self
    }
}

impl FileSource for Files {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        self.files
            .get(path)
            .cloned()
            .ok_or_else(|| format!("'{path}' doesn't exist"))
    }
    fn env_var(&self, name: &str) -> Option<String> {
        self.env.get(name).cloned()
    }
}

fn args(kind: GeneratorKind, name: &str) -> GeneratorArgs {
    GeneratorArgs {
        kind,
        name: name.into(),
        namespace: None,
        behavior: None,
        literals: vec![],
        files: vec![],
        envs: vec![],
        secret_type: None,
        options: None,
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn yaml(text: &str) -> Node {
    load_one(text, Schema::Core12).expect("test YAML loads")
}

fn gen(a: &GeneratorArgs, files: &Files) -> Generated {
    generate(a, None, files).expect("generator succeeds")
}

/// Generates, checks the object (without its suffix) and the suffix kustomize gave it.
fn check(a: &GeneratorArgs, files: &Files, want_yaml: &str, want_suffix: &str) {
    let g = gen(a, files);
    assert_eq!(to_yaml(&g.node), want_yaml);
    assert!(g.needs_hash);
    assert_eq!(hash_suffix(&g.node).unwrap(), want_suffix);
}

// --- Conformance corpus: objects and suffixes from kustomize v5.6.0's output. ---

#[test]
fn secret_from_literals_files_and_env() {
    // TestSecretGenerator: bob-bh645k7tmg.
    let files = Files::default()
        .with("foo.env", b"\nMOUNTAIN=everest\nOCEAN=pacific\n")
        .with("phrase.dat", b"dat phrase");
    let mut a = args(GeneratorKind::Secret, "bob");
    a.literals = strings(&["FRUIT=apple", "VEGETABLE=carrot"]);
    a.files = strings(&["foo.env", "passphrase=phrase.dat"]);
    a.envs = strings(&["foo.env"]);
    check(
        &a,
        &files,
        "apiVersion: v1\ndata:\n  FRUIT: YXBwbGU=\n  MOUNTAIN: ZXZlcmVzdA==\n  \
         OCEAN: cGFjaWZpYw==\n  VEGETABLE: Y2Fycm90\n  \
         foo.env: Ck1PVU5UQUlOPWV2ZXJlc3QKT0NFQU49cGFjaWZpYwo=\n  \
         passphrase: ZGF0IHBocmFzZQ==\nkind: Secret\nmetadata:\n  name: bob\ntype: Opaque\n",
        "bh645k7tmg",
    );
}

#[test]
fn literal_that_is_a_single_quote() {
    // TestDataIsSingleQuote: `TEST='` keeps its lone quote; test-m8t7bmb6g2.
    let mut a = args(GeneratorKind::ConfigMap, "test");
    a.literals = strings(&["TEST='"]);
    check(
        &a,
        &Files::default(),
        "apiVersion: v1\ndata:\n  TEST: ''''\nkind: ConfigMap\nmetadata:\n  name: test\n",
        "m8t7bmb6g2",
    );
}

#[test]
fn literals_that_look_like_numbers_and_booleans_stay_strings() {
    // TestGeneratorIntVsStringNoMerge: bob-79t79mt227.
    let mut a = args(GeneratorKind::ConfigMap, "bob");
    a.literals = strings(&["fruit=Indian Gooseberry", "year=2020", "crisis=true"]);
    check(
        &a,
        &Files::default(),
        "apiVersion: v1\ndata:\n  crisis: \"true\"\n  fruit: Indian Gooseberry\n  \
         year: \"2020\"\nkind: ConfigMap\nmetadata:\n  name: bob\n",
        "79t79mt227",
    );
}

fn anno_origin_files() -> Files {
    Files::default()
        .with(
            "phrase.dat",
            b"\nLife is short.\nBut the years are long.\nNot while the evil days come not.\n",
        )
        .with("bar.env", b"\nBIRD=falcon\n")
        .with(
            "forces.txt",
            b"\ngravitational\nelectromagnetic\nstrong nuclear\nweak nuclear\n",
        )
        .with("foo.env", b"\nMOUNTAIN=everest\nOCEAN=pacific\n")
}

#[test]
fn configmap_from_env_and_deprecated_env_and_files() {
    // TestGeneratorWithAnnoOrigin, first object: blah-bob-g9df72cd5b (the prefix does
    // not enter the hash).
    let mut a = args(GeneratorKind::ConfigMap, "bob");
    a.literals = strings(&["fruit=apple", "vegetable=broccoli"]);
    a.envs = strings(&["foo.env", "bar.env"]);
    a.files = strings(&["passphrase=phrase.dat", "forces.txt"]);
    let g = gen(&a, &anno_origin_files());
    let data = g.node.get("data").unwrap();
    assert_eq!(data.str_at(&["BIRD"]), Some("falcon"));
    assert_eq!(
        data.str_at(&["forces.txt"]),
        Some("\ngravitational\nelectromagnetic\nstrong nuclear\nweak nuclear\n")
    );
    assert_eq!(hash_suffix(&g.node).unwrap(), "g9df72cd5b");
}

#[test]
fn keyed_file_source() {
    // TestGeneratorRepeatsInKustomization (the last `literals` and `files` keys win in
    // the YAML): blah-bob-db529cg5bk.
    let files = Files::default().with(
        "nobility.txt",
        b"\nhelium\nneon\nargon\nkrypton\nxenon\nradon\n",
    );
    let mut a = args(GeneratorKind::ConfigMap, "bob");
    a.behavior = Some("create".into());
    a.literals = strings(&["fruit=apple", "vegetable=broccoli"]);
    a.files = strings(&["nobles=nobility.txt"]);
    let g = gen(&a, &files);
    assert_eq!(
        g.node.str_at(&["data", "nobles"]),
        Some("\nhelium\nneon\nargon\nkrypton\nxenon\nradon\n")
    );
    assert_eq!(hash_suffix(&g.node).unwrap(), "db529cg5bk");
}

#[test]
fn literals_with_json_quotes_and_spaces() {
    // TestGeneratorWithAnnoOrigin, second object: blah-json-m8529t979f. The first literal
    // was single-quoted in YAML, the second folded (`>-`) over four lines.
    let mut a = args(GeneratorKind::ConfigMap, "json");
    a.literals = strings(&[
        r#"v2=[{"path": "var/druid/segment-cache"}]"#,
        r#"druid_segmentCache_locations=[{"path": "var/druid/segment-cache", "maxSize": 32000000000, "freeSpacePercent": 1.0}]"#,
    ]);
    let g = gen(&a, &Files::default());
    assert_eq!(
        g.node.str_at(&["data", "v2"]),
        Some(r#"[{"path": "var/druid/segment-cache"}]"#)
    );
    assert_eq!(hash_suffix(&g.node).unwrap(), "m8529t979f");
}

#[test]
fn secret_values_wrap_at_70_columns() {
    // TestGeneratorWithAnnoOrigin, third object: blah-bob-58g62h555c.
    let mut a = args(GeneratorKind::Secret, "bob");
    a.literals = strings(&["fruit=apple", "vegetable=broccoli"]);
    a.envs = strings(&["foo.env", "bar.env"]);
    a.files = strings(&["passphrase=phrase.dat", "forces.txt"]);
    let g = gen(&a, &anno_origin_files());
    assert_eq!(
        g.node.str_at(&["data", "forces.txt"]),
        Some(
            "CmdyYXZpdGF0aW9uYWwKZWxlY3Ryb21hZ25ldGljCnN0cm9uZyBudWNsZWFyCndlYWsgbn\n\
             VjbGVhcgo=\n"
        )
    );
    assert_eq!(hash_suffix(&g.node).unwrap(), "58g62h555c");
}

#[test]
fn secret_from_json_file_with_tabs() {
    // TestIssue3489: azure-config-file-66cc4224mm, and the same suffix after a
    // nameSuffix and a namespace were applied.
    let json = "{\n\t\"tenantId\": \"XXXXX-XXXXXX-XXXXX-XXXXXX-XXXXXX\",\n\t\
                \"subscriptionId\": \"XXXXX-XXXXXX-XXXXX-XXXXXX-XXXXXX\",\n\t\
                \"resourceGroup\": \"DNS-EUW-XXX-RG\",\n\t\
                \"useManagedIdentityExtension\": true,\n\t\
                \"userAssignedIdentityID\": \"XXXXX-XXXXXX-XXXXX-XXXXXX-XXXXXX\"\n}\n";
    let mut a = args(GeneratorKind::Secret, "azure-config-file");
    a.files = strings(&["assets/azure.json"]);
    let g = gen(
        &a,
        &Files::default().with("assets/azure.json", json.as_bytes()),
    );
    assert_eq!(
        g.node.str_at(&["data", "azure.json"]),
        Some(
            "ewoJInRlbmFudElkIjogIlhYWFhYLVhYWFhYWC1YWFhYWC1YWFhYWFgtWFhYWFhYIiwKCS\n\
             JzdWJzY3JpcHRpb25JZCI6ICJYWFhYWC1YWFhYWFgtWFhYWFgtWFhYWFhYLVhYWFhYWCIs\n\
             CgkicmVzb3VyY2VHcm91cCI6ICJETlMtRVVXLVhYWC1SRyIsCgkidXNlTWFuYWdlZElkZW\n\
             50aXR5RXh0ZW5zaW9uIjogdHJ1ZSwKCSJ1c2VyQXNzaWduZWRJZGVudGl0eUlEIjogIlhY\n\
             WFhYLVhYWFhYWC1YWFhYWC1YWFhYWFgtWFhYWFhYIgp9Cg==\n"
        )
    );
    assert_eq!(hash_suffix(&g.node).unwrap(), "66cc4224mm");
    let mut renamed = g.node;
    let meta = renamed.as_map_mut().unwrap().get_mut("metadata").unwrap();
    let meta = meta.as_map_mut().unwrap();
    meta.insert("name", Node::str("azure-config-file-private"));
    meta.insert("namespace", Node::str("kube-system"));
    assert_eq!(hash_suffix(&renamed).unwrap(), "66cc4224mm");
}

#[test]
fn namespaced_generators() {
    // TestNamespacedGenerator: four objects.
    let files = Files::default();
    let mut cm = args(GeneratorKind::ConfigMap, "the-non-default-namespace-map");
    cm.namespace = Some("non-default".into());
    cm.literals = strings(&[
        "altGreeting=Good Morning from non-default namespace!",
        "enableRisky=\"false\"",
    ]);
    check(
        &cm,
        &files,
        "apiVersion: v1\ndata:\n  altGreeting: Good Morning from non-default namespace!\n  \
         enableRisky: \"false\"\nkind: ConfigMap\nmetadata:\n  \
         name: the-non-default-namespace-map\n  namespace: non-default\n",
        "64b2md8tth",
    );
    let mut cm = args(GeneratorKind::ConfigMap, "the-map");
    cm.literals = strings(&[
        "altGreeting=Good Morning from default namespace!",
        "enableRisky=\"false\"",
    ]);
    assert_eq!(hash_suffix(&gen(&cm, &files).node).unwrap(), "tg7t5hk8bk");
    let mut s = args(GeneratorKind::Secret, "the-non-default-namespace-secret");
    s.namespace = Some("non-default".into());
    s.literals = strings(&["password.txt=verySecret"]);
    assert_eq!(hash_suffix(&gen(&s, &files).node).unwrap(), "8tc9gdd76t");
    let mut s = args(GeneratorKind::Secret, "the-secret");
    s.literals = strings(&["password.txt=anotherSecret"]);
    check(
        &s,
        &files,
        "apiVersion: v1\ndata:\n  password.txt: YW5vdGhlclNlY3JldA==\nkind: Secret\n\
         metadata:\n  name: the-secret\ntype: Opaque\n",
        "6557m7fcg8",
    );
}

#[test]
fn generator_options_labels_and_disabled_hash() {
    // TestGeneratorOptionsWithBases: the overlay's map gets shouldHaveHash-c9867f8446
    // and its label; the base's global disableNameSuffixHash: true removes the hash.
    let mut a = args(GeneratorKind::ConfigMap, "shouldHaveHash");
    a.literals = strings(&["fruit=apple"]);
    let global = GeneratorOptions {
        labels: vec![("fruit".into(), "apple".into())],
        disable_name_suffix_hash: Some(false),
        ..Default::default()
    };
    let g = generate(&a, Some(&global), &Files::default()).unwrap();
    assert!(g.needs_hash);
    assert_eq!(
        to_yaml(&g.node),
        "apiVersion: v1\ndata:\n  fruit: apple\nkind: ConfigMap\nmetadata:\n  labels:\n    \
         fruit: apple\n  name: shouldHaveHash\n"
    );
    assert_eq!(hash_suffix(&g.node).unwrap(), "c9867f8446");

    let mut a = args(GeneratorKind::ConfigMap, "shouldNotHaveHash");
    a.literals = strings(&["foo=bar"]);
    let global = GeneratorOptions {
        labels: vec![("foo".into(), "bar".into())],
        disable_name_suffix_hash: Some(true),
        ..Default::default()
    };
    let g = generate(&a, Some(&global), &Files::default()).unwrap();
    assert!(!g.needs_hash);
}

#[test]
fn merged_results_hash_as_kustomize_did() {
    // Objects after `behavior: merge`, as the corpus shows them.
    let cases = [
        // TestGeneratorOverlays: p1-com1-8tc62428t2, p2-com2-87mcggf7d7.
        ("kind: ConfigMap\nmetadata: {name: p1-com1}\ndata: {baz: qux, foo: bar, from: overlay}", "8tc62428t2"),
        ("kind: ConfigMap\nmetadata: {name: p2-com2}\ndata: {from: overlay}", "87mcggf7d7"),
        // TestGeneratorFromProperties: test-configmap-hdghb5ddkg.
        ("kind: ConfigMap\ndata: {VAR1: \"100\", VAR2: \"200\"}", "hdghb5ddkg"),
        // TestGeneratorIntVsStringWithMerge: bob-bk46gm59c6.
        ("kind: ConfigMap\ndata: {crisis: \"true\", fruit: Indian Gooseberry, month: \"12\", year: \"2020\"}", "bk46gm59c6"),
        // TestMergeAndReplaceGenerators: the secret merged across overlays, and a map
        // whose labels and prefix do not enter the hash.
        ("kind: Secret\ntype: Opaque\ndata: {password: c29tZXB3, proxy: aGFwcm94eQ==, username: YWRtaW4=}", "k2k4692t9g"),
        ("kind: ConfigMap\nmetadata: {name: staging-team-foo-configmap-in-base, labels: {env: staging}}\ndata: {foo: override-bar}", "hc6g9dk6g9"),
        ("kind: ConfigMap\nmetadata: {name: staging-configmap-in-overlay}\ndata: {hello: world}", "dc6fm46dhm"),
        // TestBaseWithGeneratorsAlone.
        ("kind: ConfigMap\ndata: {foo: bar}", "798k5k7g9f"),
        ("kind: Secret\ntype: Opaque\ndata: {password: c29tZXB3, username: YWRtaW4=}", "bgd6bkgdm2"),
    ];
    for (text, want) in cases {
        assert_eq!(hash_suffix(&yaml(text)).unwrap(), want, "{text}");
    }
}

#[test]
fn kustomize_hasher_unit_cases() {
    // kustomize's own api/hasher tests, which cover binaryData, stringData, missing
    // fields and numbers inside data.
    let cases = [
        ("kind: ConfigMap", "6ct58987ht"),
        ("kind: ConfigMap\ndata:\n  one: \"\"", "9g67k2htb6"),
        (
            "kind: ConfigMap\ndata:\n  two: 2\n  one: \"\"\n  three: 3",
            "7757f9kkct",
        ),
        ("kind: ConfigMap\nbinaryData:\n  one: \"\"", "6mtk2m274t"),
        (
            "kind: ConfigMap\nbinaryData:\n  two: 2\n  one: \"\"\n  three: 3",
            "9th7kc28dg",
        ),
        (
            "kind: ConfigMap\ndata:\n  one: \"\"\nbinaryData:\n  two: \"\"",
            "698h7c7t9m",
        ),
        ("kind: Secret\ntype: my-type", "5gmgkf8578"),
        (
            "kind: Secret\ntype: my-type\ndata:\n  one: \"\"",
            "74bd68bm66",
        ),
        (
            "kind: Secret\ntype: my-type\ndata:\n  two: 2\n  one: \"\"\n  three: 3",
            "4gf75c7476",
        ),
        (
            "kind: Secret\ntype: my-type\ndata:\n  one: \"\"\nstringData:\n  two: 2",
            "c4h4264gdb",
        ),
    ];
    for (text, want) in cases {
        let node = yaml(&format!("apiVersion: v1\n{text}"));
        assert_eq!(hash_suffix(&node).unwrap(), want, "{text}");
    }
}

// --- Behaviour from kustomize's sources. ---

#[test]
fn binary_file_goes_to_binary_data() {
    let files = Files::default()
        .with("app.bin", &[0xff, 0xfd])
        .with("big.bin", &[0xff; 60])
        .with("text", b"hi");
    let mut a = args(GeneratorKind::ConfigMap, "cm");
    a.files = strings(&["app.bin", "big.bin", "text"]);
    let g = gen(&a, &files);
    assert_eq!(g.node.str_at(&["binaryData", "app.bin"]), Some("//0="));
    // 60 bytes are 80 base64 characters: two lines, each ending in a newline.
    assert_eq!(
        g.node.str_at(&["binaryData", "big.bin"]),
        Some(&*format!("{}\n{}\n", "/".repeat(70), "/".repeat(10)))
    );
    assert_eq!(g.node.str_at(&["data", "text"]), Some("hi"));
    // Hashing a binaryData map reaches the binaryData branch.
    assert_eq!(hash_suffix(&g.node).unwrap().len(), 10);
}

#[test]
fn base64_matches_the_standard_encoding() {
    for (input, want) in [
        (&b""[..], ""),
        (b"f", "Zg=="),
        (b"fo", "Zm8="),
        (b"foo", "Zm9v"),
        (b"foob", "Zm9vYg=="),
        (b"\xff\xfd", "//0="),
    ] {
        assert_eq!(encode_base64(input), want);
    }
    // 68 characters stay on one line without a newline; 72 become two lines, each
    // with its newline.
    assert_eq!(encode_base64_wrapped(&[0; 51]), "A".repeat(68));
    assert_eq!(
        encode_base64_wrapped(&[0; 54]),
        format!("{}\nAA\n", "A".repeat(70))
    );
}

#[test]
fn options_merge_like_kustomize() {
    let local = GeneratorOptions {
        labels: vec![("a".into(), "local".into())],
        disable_name_suffix_hash: Some(false),
        ..Default::default()
    };
    let global = GeneratorOptions {
        labels: vec![("a".into(), "global".into()), ("b".into(), "global".into())],
        annotations: vec![("note".into(), "x".into())],
        disable_name_suffix_hash: Some(true),
        immutable: Some(true),
    };
    let m = merge_options(Some(&local), Some(&global)).unwrap();
    assert_eq!(
        m.labels,
        vec![("a".into(), "local".into()), ("b".into(), "global".into())]
    );
    assert_eq!(m.annotations, vec![("note".into(), "x".into())]);
    assert_eq!(m.disable_name_suffix_hash, Some(true));
    assert_eq!(m.immutable, Some(true));
    assert_eq!(merge_options(None, None), None);
    assert_eq!(merge_options(Some(&local), None), Some(local));
}

#[test]
fn secret_type_immutable_labels_annotations() {
    let mut a = args(GeneratorKind::Secret, "s");
    a.literals = strings(&["a=x"]);
    a.secret_type = Some("kubernetes.io/tls".into());
    a.namespace = Some(String::new());
    a.options = Some(GeneratorOptions {
        labels: vec![
            ("veggie".into(), "celery".into()),
            ("dog".into(), "beagle".into()),
        ],
        annotations: vec![("river".into(), "Missouri".into())],
        disable_name_suffix_hash: Some(true),
        immutable: Some(true),
    });
    let g = gen(&a, &Files::default());
    assert!(!g.needs_hash);
    assert_eq!(
        to_yaml(&g.node),
        "apiVersion: v1\ndata:\n  a: eA==\nimmutable: true\nkind: Secret\nmetadata:\n  \
         annotations:\n    river: Missouri\n  labels:\n    dog: beagle\n    veggie: celery\n  \
         name: s\ntype: kubernetes.io/tls\n"
    );
}

#[test]
fn empty_generators() {
    let g = gen(&args(GeneratorKind::ConfigMap, "cm"), &Files::default());
    assert_eq!(
        to_yaml(&g.node),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n"
    );
    assert_eq!(hash_suffix(&g.node).unwrap(), "6ct58987ht");
    let g = gen(&args(GeneratorKind::Secret, "s"), &Files::default());
    assert_eq!(
        to_yaml(&g.node),
        "apiVersion: v1\ndata: {}\nkind: Secret\nmetadata:\n  name: s\ntype: Opaque\n"
    );
}

#[test]
fn literal_parsing() {
    assert_eq!(parse_literal_source("a=b=c").unwrap(), ("a", "b=c"));
    assert_eq!(parse_literal_source("a=").unwrap(), ("a", ""));
    assert_eq!(parse_literal_source("a=\"x\"").unwrap(), ("a", "x"));
    assert_eq!(parse_literal_source("a='x'").unwrap(), ("a", "x"));
    assert_eq!(parse_literal_source("a=\"x'").unwrap(), ("a", "\"x'"));
    assert_eq!(parse_literal_source("a=\"\"").unwrap(), ("a", ""));
    assert_eq!(parse_literal_source("a=\"é\"").unwrap(), ("a", "é"));
    assert_eq!(parse_literal_source("a b=c d").unwrap(), ("a b", "c d"));
    for bad in ["=x", "novalue", ""] {
        assert_eq!(
            parse_literal_source(bad).unwrap_err().message,
            format!("invalid literal source {bad}, expected key=value")
        );
    }
}

#[test]
fn file_source_parsing() {
    let ok = |s: &str| parse_file_source(s).unwrap();
    let err = |s: &str| parse_file_source(s).unwrap_err().message;
    assert_eq!(ok("dir/app.env"), ("app.env".into(), "dir/app.env".into()));
    assert_eq!(ok("k=dir/app.env"), ("k".into(), "dir/app.env".into()));
    assert_eq!(ok("dir/"), ("dir".into(), "dir/".into()));
    assert_eq!(ok(""), (".".into(), "".into()));
    assert_eq!(
        err("=a.txt"),
        r#"missing key name for file path "a.txt" in source "=a.txt""#
    );
    assert_eq!(
        err("k="),
        r#"missing file path for key name "k" in source "k=""#
    );
    assert_eq!(
        err("="),
        r#"missing key name for file path "" in source "=""#
    );
    assert_eq!(
        err("k=https://x/?a=b"),
        r#"source "k=https://x/?a=b" key name or file path contains '='"#
    );
}

#[test]
fn env_file_rules() {
    let mut files = Files::default();
    files.env.insert("FROM_ENV".into(), "set".into());
    let content = "\u{feff}A=1\r\n  # comment\n\n\t B = two \nFROM_ENV\nUNSET\n=ignored\n\
                   \u{feff}C=3\nD==x#y\nE";
    let got = parse_env_file(content.as_bytes(), &files).unwrap();
    let got: Vec<(&str, &str)> = got
        .iter()
        .map(|(k, v)| (k.as_str(), std::str::from_utf8(v).unwrap()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("A", "1"),
            ("B ", " two "),
            ("FROM_ENV", "set"),
            ("UNSET", ""),
            ("\u{feff}C", "3"),
            ("D", "=x#y"),
            ("E", ""),
        ]
    );
}

#[test]
fn env_file_errors_and_long_lines() {
    let err = parse_env_file(b"A=1\nB=\xff\n", &Files::default()).unwrap_err();
    assert_eq!(
        err.message,
        "line [66 61 255] has invalid utf8 bytes : B=\u{fffd}"
    );
    // A line of 64 KiB stops the scan silently, as kustomize ignores the scanner error.
    let mut content = b"A=1\n".to_vec();
    content.extend(std::iter::repeat_n(b'x', 64 * 1024));
    content.extend(b"\nB=2\n");
    let got = parse_env_file(&content, &Files::default()).unwrap();
    assert_eq!(got, vec![("A".to_string(), b"1".to_vec())]);
    // One byte shorter is still read.
    let mut content = format!("K={}", "x".repeat(64 * 1024 - 3)).into_bytes();
    content.extend(b"\nB=2");
    assert_eq!(
        parse_env_file(&content, &Files::default()).unwrap().len(),
        2
    );
}

#[test]
fn generator_errors() {
    let files = Files::default().with("a.env", b"K=1\n");
    let e = |a: &GeneratorArgs| generate(a, None, &files).unwrap_err().message;

    let a = args(GeneratorKind::Secret, "");
    assert_eq!(e(&a), "a configmap must have a name");

    let mut a = args(GeneratorKind::Secret, "s");
    a.envs = strings(&["a.env"]);
    a.literals = strings(&["K=2"]);
    assert_eq!(e(&a), "configmap s illegally repeats the key `K`");

    let mut a = args(GeneratorKind::ConfigMap, "cm");
    a.literals = strings(&["ok=1", "bad"]);
    assert_eq!(
        e(&a),
        "loading KV pairs: literal sources [ok=1 bad]: invalid literal source bad, \
         expected key=value"
    );

    let mut a = args(GeneratorKind::ConfigMap, "cm");
    a.envs = strings(&["a.env", "missing.env"]);
    assert_eq!(
        e(&a),
        "loading KV pairs: env source files: [a.env missing.env]: 'missing.env' doesn't exist"
    );

    let mut a = args(GeneratorKind::ConfigMap, "cm");
    a.files = strings(&["=x"]);
    assert_eq!(
        e(&a),
        "loading KV pairs: file sources: [=x]: missing key name for file path \"x\" in \
         source \"=x\""
    );
}

#[test]
fn other_kinds_cannot_be_hashed() {
    assert!(hash_suffix(&yaml("kind: Deployment")).is_err());
    assert!(hash_suffix(&yaml("[1, 2]")).is_err());
    assert!(hash_suffix(&Node::null()).is_err());
}

#[test]
fn odd_shapes_hash_without_panicking() {
    // A sequence under data is null in kustomize's encoding, and included binaryData.
    let seq = hash_suffix(&yaml("kind: ConfigMap\ndata: [a]\nbinaryData: [b]")).unwrap();
    let nulls = {
        let json = r#"{"binaryData":null,"data":null,"kind":"ConfigMap","name":""}"#;
        let digest = Sha256::digest(json.as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        hex[..10]
            .chars()
            .map(|c| match c {
                '0' => 'g',
                '1' => 'h',
                '3' => 'k',
                'a' => 'm',
                'e' => 't',
                c => c,
            })
            .collect::<String>()
    };
    assert_eq!(seq, nulls);
    // A scalar binaryData is left out, so it hashes like none.
    assert_eq!(
        hash_suffix(&yaml("kind: ConfigMap\nbinaryData: x")).unwrap(),
        "6ct58987ht"
    );
}
