{{/* An image reference as Kustomize's images transformer writes it: name[:tag][@digest]. */}}
{{- define "clipper.image" -}}
{{ .repository }}{{ with .tag }}:{{ . }}{{ end }}{{ with .digest }}@{{ . }}{{ end }}
{{- end -}}

{{/* One migration Job per migrations image version (Jobs are immutable): the tag, else the
digest's first 12 hex digits, lower-cased, runs of other characters as '-', at most 63. */}}
{{- define "clipper.migrationJob" -}}
{{- $image := .Values.images.migrations -}}
{{- $version := $image.tag | default ($image.digest | trimPrefix "sha256:" | trunc 12) -}}
{{- printf "migrate-%s" (regexReplaceAll "[^a-z0-9]+" (lower $version) "-" | trimAll "-") | trunc 63 | trimSuffix "-" -}}
{{- end -}}
