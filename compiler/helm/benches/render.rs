//! Parse + render of a helpers-heavy template set, the shape of a big chart: one
//! `_helpers.tpl` of named templates (names, labels, selectors, images, probes) that 40
//! manifests include many times each, with Sprig and Helm functions throughout
//! (`include`, `toYaml`, `nindent`, `trunc`, `printf`, `default`, `quote`, `tpl`).
//! Throughput is reported in templates per second.
//!
//!     cargo bench -p kubake-helm --bench render

// `criterion_group!` defines an undocumented public function.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use kubake_helm::objects::{values_from_json, Capabilities, ChartMetadata, ReleaseInfo};
use kubake_helm::{render, RenderInput};

const HELPERS: &str = r#"
{{- define "app.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- define "app.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}
{{- define "app.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- define "app.selectorLabels" -}}
app.kubernetes.io/name: {{ include "app.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}
{{- define "app.labels" -}}
helm.sh/chart: {{ include "app.chart" . }}
{{ include "app.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}
{{- define "app.image" -}}
{{- $tag := .Values.image.tag | default .Chart.AppVersion -}}
{{- printf "%s/%s:%s" .Values.image.registry .Values.image.repository $tag -}}
{{- end }}
{{- define "app.probe" -}}
httpGet:
  path: {{ .Values.probe.path }}
  port: {{ .Values.service.port }}
initialDelaySeconds: {{ .Values.probe.delay | int }}
{{- end }}
"#;

const MANIFEST: &str = r#"
{{- range $i, $c := .Values.components }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "app.fullname" $ }}-{{ $c.name }}-NUM
  labels:
    {{- include "app.labels" $ | nindent 4 }}
    component: {{ $c.name | quote }}
spec:
  replicas: {{ $c.replicas | default $.Values.replicaCount }}
  selector:
    matchLabels:
      {{- include "app.selectorLabels" $ | nindent 6 }}
  template:
    metadata:
      annotations:
        checksum/config: {{ toYaml $.Values.config | sha256sum }}
      labels:
        {{- include "app.selectorLabels" $ | nindent 8 }}
    spec:
      containers:
      - name: {{ $c.name }}
        image: {{ include "app.image" $ | quote }}
        args: {{- toYaml $c.args | nindent 8 }}
        env:
        {{- range $k, $v := $.Values.env }}
        - name: {{ $k | upper }}
          value: {{ tpl (toString $v) $ | quote }}
        {{- end }}
        livenessProbe:
          {{- include "app.probe" $ | nindent 10 }}
        resources:
          {{- toYaml $.Values.resources | nindent 10 }}
{{- end }}
"#;

const TEMPLATES: usize = 40;

fn input() -> RenderInput {
    let mut templates = vec![("templates/_helpers.tpl".to_string(), HELPERS.to_string())];
    for i in 0..TEMPLATES {
        templates.push((
            format!("templates/manifest-{i:02}.yaml"),
            MANIFEST.replace("NUM", &i.to_string()),
        ));
    }
    let values = serde_json::json!({
        "image": {"registry": "registry.example.com", "repository": "shop/web", "tag": ""},
        "replicaCount": 2,
        "commonLabels": {"team": "shop", "tier": "frontend"},
        "service": {"port": 8080},
        "probe": {"path": "/healthz", "delay": 10},
        "config": {"mode": "fast", "levels": [1, 2, 3], "nested": {"a": {"b": "c"}}},
        "env": {"region": "eu-west-1", "release": "{{ .Release.Name }}", "debug": false},
        "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}, "requests": {"cpu": "100m"}},
        "components": [
            {"name": "api", "replicas": 3, "args": ["--port=8080", "--verbose"]},
            {"name": "worker", "args": ["--queue=default"]},
            {"name": "cron", "replicas": 1, "args": []}
        ]
    });
    RenderInput {
        chart: ChartMetadata {
            name: "shop".into(),
            version: "1.4.2".into(),
            app_version: "2.7.0".into(),
            ..ChartMetadata::default()
        },
        templates,
        values: values_from_json(&values),
        files: Default::default(),
        release: ReleaseInfo::install("prod", "shop"),
        capabilities: Capabilities::for_kube_version("1.32.0").expect("kube version"),
        determinism: Default::default(),
    }
}

fn bench_render(c: &mut Criterion) {
    let input = input();
    let rendered = render(&input).expect("the benchmark chart renders");
    assert_eq!(rendered.files.len(), TEMPLATES);
    let mut group = c.benchmark_group("helpers-heavy chart");
    group.throughput(Throughput::Elements(TEMPLATES as u64));
    group.bench_function("parse + render 40 templates", |b| {
        b.iter(|| render(&input).expect("render"))
    });
    group.finish();
}

criterion_group!(benches, bench_render);
criterion_main!(benches);
